#!/usr/bin/env bash
# Installs what the verifier recipes (examples/recipes/) need for
# RecipesVerifyOperatorTokensTest: Debian's PyJWT and cryptography for /usr/bin/python3, Go with
# Debian's go-jose v2 (GOPATH mode: the Go module proxy is not needed), and the Node recipe's jose
# as pinned by its package-lock.json. Idempotent and quiet; well under a second when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/apt-install.sh python3 python3-jwt python3-cryptography golang-go \
  golang-gopkg-square-go-jose.v2-dev

# npm ci wipes and reinstalls node_modules: only when the installed jose is not the locked one.
node_recipe=examples/recipes/node
if ! node -e '
  const locked = require(process.argv[1] + "/package-lock.json").packages["node_modules/jose"].version;
  const installed = require(process.argv[1] + "/node_modules/jose/package.json").version;
  process.exit(locked === installed ? 0 : 1);' "$PWD/$node_recipe" 2>/dev/null; then
  (cd "$node_recipe" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
