#!/usr/bin/env bash
# Builds (once) and caches a real kube-apiserver + kube-controller-manager (Kubernetes v1.20.2, from
# Debian's source package, offline) and installs etcd (Debian's etcd-server), for the real-API test
# suite (operator/src/test/.../realapi). Idempotent: returns at once when the cached binaries run.
#
#   bash .ci/install-realapi.sh          # prints the directory holding the binaries on its last line
#
# Cache: $APITOKEN_REALAPI_HOME (default ~/.cache/apitoken-realapi): bin/, the source tree and the
# Go build cache. Nothing is written into the repository. Cold: ~6-8 min and ~1.3 GB peak on 2 cores.
#
# Why this route: no Docker and no Go module proxy here, but Debian's `kubernetes` source package
# (1.20.5+really1.20.2) ships the whole tree with vendor/ and builds with Debian's Go in GOPATH
# mode. Two fixes, both from the project's verified recipe: the vendored reflect2 v1.0.1 links
# reflect.mapiterinit with its pre-Go-1.18 signature (reflect2-go118.patch applies upstream v1.0.2's
# fix; without it the apiserver dies with SIGSEGV on the first custom resource), and
# pkg/generated/openapi is generated with the vendored openapi-gen (the tarball lacks it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${APITOKEN_REALAPI_HOME:-$HOME/.cache/apitoken-realapi}"
bin="$home/bin"
version="v1.20.2"
mkdir -p "$bin"

fail() { echo "install-realapi: $*" >&2; exit 1; }

apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    "${sudo[@]}" apt-get update -qq >/dev/null || fail "apt-get update failed"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || fail "could not install ${missing[*]} from Debian's packages"
  fi
}

apt_install etcd-server openssl curl
command -v etcd >/dev/null || fail "etcd not on PATH after installing etcd-server"

if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] \
  && "$bin/kube-apiserver" --version 2>/dev/null | grep -q "$version"; then
  echo "$bin"
  exit 0
fi

apt_install golang-go patch dpkg-dev
src="$home/src" apt="$home/apt"
mkdir -p "$src" "$apt/lists/partial" "$apt/parts" "$home/build"
export GOCACHE="$home/gocache" CGO_ENABLED=0
if [ ! -d "$src/kubernetes-1.20.2" ]; then
  echo "install-realapi: fetching Debian's kubernetes source package (once)" >&2
  # A private deb-src list: the machine's own Debian sources as deb-src (nothing under /etc/apt changes).
  sources=/etc/apt/sources.list.d/debian.sources
  [ -f "$sources" ] || fail "no $sources to derive a deb-src list from"
  sed 's/^Types: deb$/Types: deb-src/' "$sources" > "$apt/parts/src.sources"
  opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/parts" -o "Dir::State::Lists=$apt/lists")
  apt-get "${opts[@]}" update -qq || fail "apt-get update of the deb-src list failed"
  rm -rf "$src/tmp" && mkdir -p "$src/tmp"
  (cd "$src/tmp" && apt-get "${opts[@]}" source --download-only 'kubernetes=1.20.5+really1.20.2-1.1+deb12u1' >/dev/null \
    && tar xzf kubernetes_1.20.5+really1.20.2.orig.tar.gz) || fail "could not fetch the kubernetes source package"
  (cd "$src/tmp/kubernetes-1.20.2" && patch -p1 -s < "$here/reflect2-go118.patch") || fail "reflect2 patch did not apply"
  mv "$src/tmp/kubernetes-1.20.2" "$src/kubernetes-1.20.2" && rm -rf "$src/tmp"
fi

export GOPATH="$home/gopath" GO111MODULE=off GOFLAGS= GOPROXY=off
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$src/kubernetes-1.20.2" "$GOPATH/src/k8s.io/kubernetes"
cd "$GOPATH/src/k8s.io/kubernetes"
if [ ! -f pkg/generated/openapi/zz_generated.openapi.go ]; then
  echo "install-realapi: generating pkg/generated/openapi (once)" >&2
  go build -o "$home/build/openapi-gen" k8s.io/kubernetes/vendor/k8s.io/kube-openapi/cmd/openapi-gen \
    || fail "building openapi-gen failed"
  dirs=$(find -H . \( -not \( \( -path './_*' -o -path './.*' -o -path ./vendor \) -prune \) \) -type f -name '*.go' \
    | sed 's|^./staging/src|vendor|; s|^\./||' | xargs grep --color=never -l '+k8s:openapi-gen=' 2>/dev/null \
    | grep -v -E '^vendor/k8s.io/(code-generator|sample-apiserver)/' | xargs -n1 dirname | LC_ALL=C sort -u)
  "$home/build/openapi-gen" --logtostderr -i "$(echo "$dirs" | sed 's|^|k8s.io/kubernetes/|' | paste -sd,)" \
    -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
    -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$home/build/openapi-violations.report" 2>/dev/null \
    || fail "openapi-gen failed"
fi
ld="-s -w"
for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ld="$ld -X k8s.io/kubernetes/vendor/$p.gitVersion=$version -X k8s.io/kubernetes/vendor/$p.gitMajor=1"
  ld="$ld -X k8s.io/kubernetes/vendor/$p.gitMinor=20 -X k8s.io/kubernetes/vendor/$p.gitTreeState=clean"
done
for cmd in kube-apiserver kube-controller-manager; do
  echo "install-realapi: building $cmd (once, a few minutes)" >&2
  t0=$(date +%s)
  go build -tags selinux,notest -ldflags "$ld" -o "$bin/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd" \
    || fail "building $cmd failed"
  mv "$bin/$cmd.tmp" "$bin/$cmd"
  echo "install-realapi: $cmd built in $(( $(date +%s) - t0 )) s" >&2
done
"$bin/kube-apiserver" --version >&2
echo "$bin"
