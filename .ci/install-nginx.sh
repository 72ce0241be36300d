#!/usr/bin/env bash
# Installs Debian's nginx (nginx-light, 1.22 on bookworm) for the gateway's IngressNginxLiveTest,
# which runs it as ingress-nginx renders an Ingress with auth-url. Idempotent; the test starts its
# own nginx on a free port and never the system service.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/apt-install.sh nginx-light
