#!/bin/sh
# npm run cluster:up — a two-node Kubernetes 1.20.2 built from Debian's source package. The control plane
# and the first node (he-cl-node) run inside one network namespace (loopback, a veth pair with the node
# address, the CNI bridge, the bridge he-cl-lan to the other nodes; no route out) and a mount namespace of
# its own (so every mount it makes goes when its processes go); the second node (he-cl-node-2) in a pair of
# its own, joined by a veth pair to he-cl-lan (node.sh; the drill scenario adds a third the same way).
# Components: etcd, kube-apiserver (RBAC), controller-manager, scheduler; on each node containerd + runc,
# kubelet, kube-proxy and the bridge CNI with a pod range of its own; a StorageClass with a small provisioner
# (provision.sh), and a local "upstream" registry (Debian's docker-registry) holding test images built here
# without Docker.
#
# The API server is also forwarded to the host's 127.0.0.1:$HE_CL_API_PORT, so helm, kubectl and the
# CLI work from outside. The last stdout line is the kubeconfig's path. Idempotent: when the cluster is
# already up it only prints that path. On a failure it tears down what it started (down.sh).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/env.sh"
S="$HE_CL_STATE"
log() { echo "cluster:up: $*" >&2; }
t0=$(date +%s)

if [ "$(id -u)" != 0 ]; then echo "cluster:up: needs root (network and mount namespaces, containerd, kubelet)" >&2; exit 2; fi

if [ -f "$S/ready" ] && [ -f "$S/pids/holder" ] && kill -0 "$(cat "$S/pids/holder")" 2>/dev/null; then
  log "already up"
  echo "$S/kubeconfig"
  exit 0
fi
sh "$HERE/down.sh" >&2 || true   # leftovers of an earlier failed run

K8S="$(sh "$HERE/prepare.sh" | tail -1)"
BIN="$K8S/bin"
t_prepared=$(date +%s)

fail() { log "FAILED: $*"; for f in "$S"/logs/*.log; do [ -f "$f" ] && { echo "--- $f (last lines)" >&2; tail -n 15 "$f" >&2; }; done; sh "$HERE/down.sh" >&2 || true; exit 1; }
trap 'fail "interrupted"' INT TERM

mkdir -p "$S/pids" "$S/logs" "$S/pki" "$S/etcd" "$S/registry" "$S/volumes" "$S/nodes" "$S/images"
echo "$K8S" > "$S/k8s"

# --- namespaces -------------------------------------------------------------------------------
# The holder: a process with a network namespace and a mount namespace (slave of the host's) of its own,
# which every daemon joins. The network namespace has loopback, a veth pair he-cl0/he-cl1 (both ends inside)
# with the node address on he-cl0 and, later, the CNI bridge: no route out. /run and /var/log are tmpfs in the mount namespace, so
# containerd's shim sockets and the kubelet's pod logs stay inside. Both namespaces have no name on the
# host: they end when the last of their processes does, with every mount made in them.
# shellcheck disable=SC2016 # the inner sh expands it
setsid -f unshare --net --mount --propagation slave \
  sh -c 'mount -t tmpfs -o mode=755 he-cl-run /run && mount -t tmpfs he-cl-log /var/log && echo $$ > "$1" && exec sleep 2147483647' sh "$S/pids/holder" \
  < /dev/null > "$S/logs/holder.log" 2>&1
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$S/pids/holder" ] && break; sleep 0.2; done
[ -s "$S/pids/holder" ] || fail "the namespace holder did not start"
HOLDER="$(cat "$S/pids/holder")"
# down.sh finds every process of the tier by these two namespaces
readlink "/proc/$HOLDER/ns/net" > "$S/ns"
readlink "/proc/$HOLDER/ns/mnt" >> "$S/ns"
nsenter -t "$HOLDER" -n sh -c "ip link set lo up && ip link add he-cl0 type veth peer name he-cl1 && ip addr add $HE_CL_NODE_IP/32 dev he-cl0 && ip link set he-cl0 up && ip link set he-cl1 up" \
  || fail "configuring the network namespace"

# start NAME CMD...: a daemon inside the namespaces, its PID in pids/NAME, its output in logs/NAME.log
start() {
  name="$1"; shift
  # shellcheck disable=SC2016 # the inner sh expands it
  setsid -f nsenter -t "$HOLDER" -m -n -- env SSL_CERT_FILE="$S/pki/ca.crt" AWS_EC2_METADATA_DISABLED=true \
    sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$S/pids/$name" "$@" < /dev/null > "$S/logs/$name.log" 2>&1
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$S/pids/$name" ] && return 0; sleep 0.2; done
  fail "$name did not start"
}
inns() { nsenter -t "$HOLDER" -m -n -- "$@"; }
# wait_for WHAT SECONDS CMD...
wait_for() {
  what="$1"; secs="$2"; shift 2
  i=0
  while ! "$@" > /dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -gt $((secs * 2)) ] && fail "$what not ready after ${secs}s"
    sleep 0.5
  done
}

# --- certificates ----------------------------------------------------------------------------
P="$S/pki"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.crt" -days 30 -subj "/CN=he-cl-ca" 2>/dev/null
cert() { # NAME SUBJECT [SANS]
  openssl req -newkey rsa:2048 -nodes -keyout "$P/$1.key" -out "$P/$1.csr" -subj "$2" 2>/dev/null
  if [ -n "${3:-}" ]; then printf 'subjectAltName=%s\n' "$3" > "$P/$1.ext"; else : > "$P/$1.ext"; fi
  openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 -extfile "$P/$1.ext" -out "$P/$1.crt" 2>/dev/null
}
cert apiserver "/CN=kube-apiserver" "IP:127.0.0.1,IP:$HE_CL_NODE_IP,IP:10.214.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert admin "/O=system:masters/CN=he-cl-admin"
cert proxy "/CN=system:kube-proxy"
cert cm "/CN=system:kube-controller-manager"
cert sched "/CN=system:kube-scheduler"
openssl genrsa -out "$P/sa.key" 2048 2>/dev/null
openssl rsa -in "$P/sa.key" -pubout -out "$P/sa.pub" 2>/dev/null
he_cl_kubeconfig "$S/kubeconfig.cm" cm "127.0.0.1:$HE_CL_API_PORT" "$P" default
he_cl_kubeconfig "$S/kubeconfig.sched" sched "127.0.0.1:$HE_CL_API_PORT" "$P" default
he_cl_kubeconfig "$S/kubeconfig" admin "127.0.0.1:$HE_CL_API_PORT" "$P" default
KUBECTL="$BIN/kubectl --kubeconfig $S/kubeconfig"

# --- control plane ---------------------------------------------------------------------------
start etcd etcd --data-dir "$S/etcd" --name he-cl \
  --listen-client-urls "http://127.0.0.1:$HE_CL_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$HE_CL_ETCD_PORT" \
  --listen-peer-urls http://127.0.0.1:22380 --initial-advertise-peer-urls http://127.0.0.1:22380 \
  --initial-cluster he-cl=http://127.0.0.1:22380 --quota-backend-bytes 1073741824
t_ns=$(date +%s)
wait_for etcd 30 inns curl -sf "http://127.0.0.1:$HE_CL_ETCD_PORT/health"

start kube-apiserver "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$HE_CL_ETCD_PORT" \
  --bind-address 0.0.0.0 --secure-port "$HE_CL_API_PORT" --insecure-port 0 --advertise-address "$HE_CL_NODE_IP" \
  --authorization-mode Node,RBAC --client-ca-file "$P/ca.crt" \
  --tls-cert-file "$P/apiserver.crt" --tls-private-key-file "$P/apiserver.key" \
  --kubelet-client-certificate "$P/admin.crt" --kubelet-client-key "$P/admin.key" \
  --service-cluster-ip-range "$HE_CL_SERVICE_CIDR" --allow-privileged=true \
  --service-account-key-file "$P/sa.pub" --service-account-signing-key-file "$P/sa.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --kubelet-preferred-address-types InternalIP --enable-admission-plugins NodeRestriction --profiling=false --v=1
# shellcheck disable=SC2086 # a word list by design (a command with its options, or names; no spaces)
wait_for kube-apiserver 90 inns $KUBECTL get --raw /readyz
t_api=$(date +%s)

start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$S/kubeconfig.cm" \
  --authentication-kubeconfig "$S/kubeconfig.cm" --authorization-kubeconfig "$S/kubeconfig.cm" \
  --service-account-private-key-file "$P/sa.key" --root-ca-file "$P/ca.crt" \
  --cluster-signing-cert-file "$P/ca.crt" --cluster-signing-key-file "$P/ca.key" \
  --use-service-account-credentials --leader-elect=false --port 0 --bind-address 127.0.0.1 \
  --flex-volume-plugin-dir "$S/flexvolume" --profiling=false --v=1
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$S/kubeconfig.sched" \
  --authentication-kubeconfig "$S/kubeconfig.sched" --authorization-kubeconfig "$S/kubeconfig.sched" \
  --leader-elect=false --port 0 --bind-address 127.0.0.1 --profiling=false --v=1

# --- the local "upstream" registry and its test images ---------------------------------------
cat > "$S/registry.yml" <<YML
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: $S/registry }, delete: { enabled: true } }
http: { addr: "$HE_CL_REGISTRY" }
YML
start registry docker-registry serve "$S/registry.yml"
wait_for registry 30 inns curl -sf "http://$HE_CL_REGISTRY/v2/"
# the harbor-edge program in one file, for the stand-in of the project's image (built anew each time: a stale
# bundle would test old code)
ROOT="$(cd "$HERE/../../.." && pwd)"
(cd "$ROOT" && node node_modules/tsx/dist/cli.mjs generator/scripts/bundle.ts "$S/images/harbor-edge.mjs" >&2) || fail "bundling the harbor-edge program"
t_bundle=$(date +%s)
inns sh "$HERE/images.sh" "http://$HE_CL_REGISTRY" "$S/images" "$S/images/harbor-edge.mjs" >&2 || fail "building the test images"
t_images=$(date +%s)

# --- the nodes: containerd, CNI, kubelet, kube-proxy each (node.sh) --------------------------------
idx=0
for n in $HE_CL_NODES; do
  idx=$((idx + 1))
  sh "$HERE/node.sh" "$n" "$idx" || fail "starting the node $n"
done
t_nodes=$(date +%s)

nodes_ready() {
  for n in $HE_CL_NODES; do
    # shellcheck disable=SC2086 # a word list by design (a command with its options, or names; no spaces)
    inns $KUBECTL get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' | grep -qx True || return 1
  done
}
wait_for "the nodes" 90 nodes_ready
t_ready=$(date +%s)
# shellcheck disable=SC2086 # a word list by design (a command with its options, or names; no spaces)
wait_for "the default ServiceAccount" 60 inns $KUBECTL get serviceaccount default

# --- storage: a default StorageClass whose claims the provisioner binds to hostPath volumes -----
# shellcheck disable=SC2086 # a word list by design (a command with its options, or names; no spaces)
inns $KUBECTL apply -f - > /dev/null <<YML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: he-cl-hostpath
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: harbor-edge.test/he-cl-hostpath
reclaimPolicy: Retain
volumeBindingMode: Immediate
allowVolumeExpansion: true
YML
start provisioner sh "$HERE/provision.sh" "$BIN/kubectl" "$S/kubeconfig" "$S/volumes"

# --- the host's door to the API server ---------------------------------------------------------
start forward-in node "$HERE/forward.mjs" in "$S/api.sock" "127.0.0.1:$HE_CL_API_PORT"
# shellcheck disable=SC2016 # the inner sh expands it
setsid -f sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$S/pids/forward-out" node "$HERE/forward.mjs" out "$S/api.sock" "127.0.0.1:$HE_CL_API_PORT" \
  < /dev/null > "$S/logs/forward-out.log" 2>&1
# shellcheck disable=SC2086 # a word list by design (a command with its options, or names; no spaces)
wait_for "the API forward" 20 $KUBECTL get --raw /readyz

t1=$(date +%s)
echo "up $((t1 - t0))s: prepare $((t_prepared - t0))s, certificates+namespace $((t_ns - t_prepared))s, etcd+apiserver $((t_api - t_ns))s, registry+bundle $((t_bundle - t_api))s, images $((t_images - t_bundle))s, nodes started $((t_nodes - t_images))s, nodes Ready $((t_ready - t_nodes))s, storage+forward $((t1 - t_ready))s" > "$S/timing"
log "$(cat "$S/timing")"
touch "$S/ready"
log "up in $((t1 - t0))s (Kubernetes $(basename "$K8S"), nodes $HE_CL_NODES, registry $HE_CL_REGISTRY; enter its namespaces with: nsenter -t $HOLDER -n -m)"
trap - INT TERM
echo "$S/kubeconfig"
