#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet, quietly; sudo when
# not root. A fresh machine may have no package lists: they are updated only when the install
# fails without them (the slow part). Used by the other install scripts.
set -euo pipefail

missing=()
for package in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
install=("${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}")
if ! "${install[@]}" >/dev/null 2>&1; then
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${install[@]}" >/dev/null
fi
