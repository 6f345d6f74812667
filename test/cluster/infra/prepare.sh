#!/bin/sh
# Prepare the local-cluster tier: install the Debian packages it needs and build
# Kubernetes 1.20.2 from Debian bookworm's `kubernetes` source package, once.
#
# The build is cached under ~/.cache/harbor-edge/k8s-<source-version>/bin, so a
# second run only checks that the binaries are there. The source is fetched with
# a private apt directory (a deb-src list of its own, its own lists and cache):
# /etc/apt is never changed.
#
# Debian's 1.20.2 source vendors github.com/modern-go/reflect2 1.0.1, which crashes the process when built
# with Go 1.18 or later (bookworm has 1.19): kube-apiserver dies with "fatal error: fault" in mapiterinit as
# soon as it pretty-prints a response, which it does for every client whose User-Agent starts with "curl"
# (modern-go/reflect2#23, fixed in 1.0.2). The build uses Debian's golang-github-modern-go-reflect2-dev
# (1.0.2) in its place; a cache built before this fix gets kube-apiserver rebuilt alone (marker file
# reflect2-1.0.2 in the cache directory).
#
# Output: the cache directory on the last stdout line. Needs root and apt.
set -eu

CACHE="${HARBOR_EDGE_CACHE:-$HOME/.cache/harbor-edge}"
PKGS="golang-go golang-github-modern-go-reflect2-dev rsync make etcd-server containerd runc containernetworking-plugins docker-registry iproute2 iptables dpkg-dev busybox-static curl openssl util-linux"
BINS="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"

log() { echo "prepare: $*" >&2; }

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  log "installing Debian packages:$missing"
  # shellcheck disable=SC2086 # a word list by design (a command with its options, or names; no spaces)
  if ! apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends $missing >&2; then
    apt-get -o DPkg::Lock::Timeout=900 update >&2
    # shellcheck disable=SC2086 # a word list by design (a command with its options, or names; no spaces)
    apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends $missing >&2
  fi
fi

# The private apt directory: a deb-src list derived from the system's own mirror.
APTDIR="$CACHE/k8s-apt"
mkdir -p "$APTDIR/sources.list.d" "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/src"
MIRROR="$(grep -h '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1 | awk '{print $2}')"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
cat > "$APTDIR/sources.list.d/he-cluster.sources" <<SRC
Types: deb-src
URIs: $MIRROR
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
APTOPTS="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$APTDIR/sources.list.d -o Dir::State::Lists=$APTDIR/lists -o Dir::Cache=$APTDIR/cache -o Debug::NoLocking=1"

if [ ! -s "$APTDIR/version" ]; then
  log "fetching the deb-src index (private apt dir $APTDIR)"
  # shellcheck disable=SC2086
  apt-get $APTOPTS update >&2
  # shellcheck disable=SC2086
  apt-cache $APTOPTS showsrc kubernetes | awk '/^Version:/{print $2; exit}' > "$APTDIR/version"
fi
VERSION="$(cat "$APTDIR/version")"
[ -n "$VERSION" ] || { log "no kubernetes source version found"; exit 1; }
OUT="$CACHE/k8s-$VERSION"

have=1
for b in $BINS; do [ -x "$OUT/bin/$b" ] || have=0; done
FIXED="$OUT/reflect2-1.0.2"
if [ "$have" = 1 ] && [ -f "$FIXED" ]; then
  log "Kubernetes $VERSION already built in $OUT"
  echo "$OUT"
  exit 0
fi
# built before the reflect2 fix: only kube-apiserver serves (and so crashed); rebuild it alone
WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet cmd/kube-proxy cmd/kubectl"
[ "$have" = 1 ] && WHAT="cmd/kube-apiserver"

SRCDIR="$OUT/src"
if [ ! -f "$SRCDIR/Makefile" ]; then
  log "fetching the kubernetes source package $VERSION"
  rm -rf "$SRCDIR" "$APTDIR/src"; mkdir -p "$APTDIR/src"
  # shellcheck disable=SC2086
  (cd "$APTDIR/src" && apt-get $APTOPTS source --download-only "kubernetes=$VERSION" >&2)
  mkdir -p "$OUT"
  for dsc in "$APTDIR"/src/kubernetes_*.dsc; do break; done
  dpkg-source --no-check -x "$dsc" "$SRCDIR" >&2
  rm -rf "$APTDIR/src"
  rm -f "$OUT"/kubernetes_*
fi

log "building Kubernetes $VERSION: $WHAT (about 6 min on 2 cores for all)"
cd "$SRCDIR"
R2=/usr/share/gocode/src/github.com/modern-go/reflect2
[ -f "$R2/go_above_118.go" ] || { log "$R2 lacks the Go 1.18 fix (golang-github-modern-go-reflect2-dev 1.0.2)"; exit 1; }
rm -rf vendor/github.com/modern-go/reflect2 && mkdir -p vendor/github.com/modern-go/reflect2
cp "$R2"/*.go "$R2"/*.s vendor/github.com/modern-go/reflect2/
mkdir -p .go/src/k8s.io
[ -e .go/src/k8s.io/kubernetes ] || ln -s ../../.. .go/src/k8s.io/kubernetes
cd .go/src/k8s.io/kubernetes
# A failed earlier make can leave 0-byte generators behind: start clean then.
[ -d _output ] && rm -rf _output
b0=$(date +%s)
GOPATH="$SRCDIR/.go" GO111MODULE=off CGO_ENABLED=0 GOPROXY=off GOFLAGS='' \
  make WHAT="$WHAT" >&2
mkdir -p "$OUT/bin"
for w in $WHAT; do
  b="${w#cmd/}"
  cp "_output/bin/$b" "$OUT/bin/$b.tmp" && mv "$OUT/bin/$b.tmp" "$OUT/bin/$b"
done
touch "$FIXED"
# Keep only the binaries: the source tree and the build output are ~2 GB.
cd /
rm -rf "$SRCDIR"
[ "$WHAT" = cmd/kube-apiserver ] || echo $(( $(date +%s) - b0 )) > "$OUT/build-seconds"
log "built into $OUT/bin"
echo "$OUT"
