#!/bin/sh
# npm run cluster:up — a single-node Kubernetes 1.20.2 built from Debian's source package, running
# entirely inside the network namespace he-cl (loopback, a dummy interface with the node address and
# the CNI bridge; no route out) and a mount namespace of its own (so every mount it makes goes when its
# processes go). Components: etcd, kube-apiserver (RBAC), controller-manager, scheduler, kube-proxy,
# containerd + runc, kubelet, bridge CNI, a StorageClass with a small provisioner (provision.sh), and a
# local "upstream" registry (Debian's docker-registry) holding test images built here without Docker.
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

mkdir -p "$S/pids" "$S/logs" "$S/pki" "$S/etcd" "$S/registry" "$S/volumes" "$S/cni/net.d" "$S/cni/ipam" "$S/kubelet" "$S/containerd" "$S/images"
echo "$K8S" > "$S/k8s"

# --- namespaces -------------------------------------------------------------------------------
# The holder: a process with a network namespace and a mount namespace (slave of the host's) of its own,
# which every daemon joins. The network namespace has loopback, a veth pair he-cl0/he-cl1 (both ends inside)
# with the node address on he-cl0 and, later, the CNI bridge: no route out. /run and /var/log are tmpfs in the mount namespace, so
# containerd's shim sockets and the kubelet's pod logs stay inside. Both namespaces have no name on the
# host: they end when the last of their processes does, with every mount made in them.
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
cert kubelet "/CN=$HE_CL_NODE" "IP:$HE_CL_NODE_IP,DNS:$HE_CL_NODE"
cert node "/O=system:nodes/CN=system:node:$HE_CL_NODE"
cert proxy "/CN=system:kube-proxy"
cert cm "/CN=system:kube-controller-manager"
cert sched "/CN=system:kube-scheduler"
openssl genrsa -out "$P/sa.key" 2048 2>/dev/null
openssl rsa -in "$P/sa.key" -pubout -out "$P/sa.pub" 2>/dev/null
kubeconfig() { # FILE CERT
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: he-cl
    cluster:
      server: https://127.0.0.1:$HE_CL_API_PORT
      certificate-authority: $P/ca.crt
users:
  - name: $2
    user:
      client-certificate: $P/$2.crt
      client-key: $P/$2.key
contexts:
  - name: he-cl
    context: { cluster: he-cl, user: $2, namespace: default }
current-context: he-cl
KC
}
kubeconfig "$S/kubeconfig.node" node
kubeconfig "$S/kubeconfig.proxy" proxy
kubeconfig "$S/kubeconfig.cm" cm
kubeconfig "$S/kubeconfig.sched" sched
kubeconfig "$S/kubeconfig" admin
KUBECTL="$BIN/kubectl --kubeconfig $S/kubeconfig"

# --- control plane ---------------------------------------------------------------------------
start etcd etcd --data-dir "$S/etcd" --name he-cl \
  --listen-client-urls "http://127.0.0.1:$HE_CL_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$HE_CL_ETCD_PORT" \
  --listen-peer-urls http://127.0.0.1:22380 --initial-advertise-peer-urls http://127.0.0.1:22380 \
  --initial-cluster he-cl=http://127.0.0.1:22380 --quota-backend-bytes 1073741824
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
wait_for kube-apiserver 90 inns $KUBECTL get --raw /readyz

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
ROOT="$(cd "$HERE/../.." && pwd)"
(cd "$ROOT" && node node_modules/tsx/dist/cli.mjs generator/scripts/bundle.ts "$S/images/harbor-edge.mjs" >&2) || fail "bundling the harbor-edge program"
inns sh "$HERE/images.sh" "http://$HE_CL_REGISTRY" "$S/images" "$S/images/harbor-edge.mjs" >&2 || fail "building the test images"

# --- node: containerd, CNI, kubelet, kube-proxy ----------------------------------------------
cat > "$S/cni/net.d/10-he-cl.conflist" <<CNI
{ "cniVersion": "0.4.0", "name": "he-cl", "plugins": [ { "type": "bridge", "bridge": "he-cl-br0", "isGateway": true,
  "ipMasq": false, "hairpinMode": true,
  "ipam": { "type": "host-local", "dataDir": "$S/cni/ipam", "ranges": [[{ "subnet": "$HE_CL_POD_CIDR" }]],
            "routes": [{ "dst": "0.0.0.0/0" }] } } ] }
CNI
# containerd reads its registry hosts from a host directory (config_path), as on a node that uses Harbor's
# node mirror: the tier's own registry gets a hosts.toml there (plain http), and the outage scenario's
# DaemonSet writes Harbor's files next to it. The node sees them where a Debian node has them,
# /etc/containerd/certs.d and /etc/containerd/config.toml (the only roots the chart accepts for the DaemonSet):
# inside the tier's mount namespace a tmpfs covers /etc/containerd and binds $S/certs.d and
# $S/containerd-conf/config.toml there, so the host's own /etc/containerd is never touched and the test reads
# the node's files under $S.
NODE_CONTAINERD=/etc/containerd
[ -d "$NODE_CONTAINERD" ] || fail "$NODE_CONTAINERD does not exist (Debian's containerd package makes it): the tier mounts over it in its own namespace"
mkdir -p "$S/containerd-conf" "$S/certs.d/$HE_CL_REGISTRY"
cat > "$S/certs.d/$HE_CL_REGISTRY/hosts.toml" <<TOML
server = "http://$HE_CL_REGISTRY"

[host."http://$HE_CL_REGISTRY"]
  capabilities = ["pull", "resolve"]
TOML
cat > "$S/containerd-conf/config.toml" <<TOML
version = 2
root = "$S/containerd/root"
state = "$S/containerd/state"
[grpc]
  address = "$S/containerd/containerd.sock"
[ttrpc]
  address = "$S/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$HE_CL_REGISTRY/he-cl/pause:1"
  # root here lacks CAP_SYS_RESOURCE: without this every pod fails ("can't get final child's PID from pipe")
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$S/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$NODE_CONTAINERD/certs.d"
TOML
inns sh -c 'mount -t tmpfs -o mode=755 he-cl-containerd "$1" && mkdir "$1/certs.d" && touch "$1/config.toml" &&
  mount --bind "$2/certs.d" "$1/certs.d" && mount --bind "$2/containerd-conf/config.toml" "$1/config.toml"' sh "$NODE_CONTAINERD" "$S" \
  || fail "mounting the node's containerd directory in the tier's namespace"
start containerd containerd --config "$NODE_CONTAINERD/config.toml"
wait_for containerd 30 test -S "$S/containerd/containerd.sock"

# kubelet's cgroups live under /he-cl in every hierarchy (down.sh removes them)
for h in /sys/fs/cgroup/*/; do
  [ -f "$h/cgroup.procs" ] && mkdir -p "$h$HE_CL_CGROUP"
done
printf 'nameserver %s\n' "$HE_CL_NODE_IP" > "$S/resolv.conf"
cat > "$S/kubelet.yaml" <<YML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $HE_CL_NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $P/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $P/kubelet.crt
tlsPrivateKeyFile: $P/kubelet.key
cgroupDriver: cgroupfs
cgroupRoot: /$HE_CL_CGROUP
failSwapOn: false
clusterDomain: cluster.local
# the tests serve the cluster's DNS on the node address when a pod must resolve a Service name
clusterDNS: [$HE_CL_NODE_IP]
resolvConf: $S/resolv.conf
volumePluginDir: $S/volume-plugins
serializeImagePulls: false
# a high rate limit on the kubelet's Events (default 5/s; 0 is not "unlimited" there, the API client reads it
# as its default 5/s): the scenarios leave many pods in ImagePullBackOff whose Events, rejected once their
# namespace is gone, would otherwise queue for minutes ahead of the Events a later scenario reads
eventRecordQPS: 1000
eventBurst: 1000
imageGCHighThresholdPercent: 100
evictionHard: { memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%" }
YML
start kubelet "$BIN/kubelet" --config "$S/kubelet.yaml" --kubeconfig "$S/kubeconfig.node" \
  --container-runtime remote --container-runtime-endpoint "unix://$S/containerd/containerd.sock" \
  --root-dir "$S/kubelet" --hostname-override "$HE_CL_NODE" --node-ip "$HE_CL_NODE_IP" --v=1
start kube-proxy "$BIN/kube-proxy" --kubeconfig "$S/kubeconfig.proxy" --hostname-override "$HE_CL_NODE" \
  --cluster-cidr "$HE_CL_POD_CIDR" --proxy-mode iptables --conntrack-max-per-core 0 \
  --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
  --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 --profiling=false --v=1

node_ready() { inns $KUBECTL get node "$HE_CL_NODE" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
wait_for "the node" 90 node_ready
wait_for "the default ServiceAccount" 60 inns $KUBECTL get serviceaccount default

# --- storage: a default StorageClass whose claims the provisioner binds to hostPath volumes -----
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
setsid -f sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$S/pids/forward-out" node "$HERE/forward.mjs" out "$S/api.sock" "127.0.0.1:$HE_CL_API_PORT" \
  < /dev/null > "$S/logs/forward-out.log" 2>&1
wait_for "the API forward" 20 $KUBECTL get --raw /readyz

t1=$(date +%s)
echo "prepare $((t_prepared - t0))s up $((t1 - t0))s" > "$S/timing"
touch "$S/ready"
log "up in $((t1 - t0))s (Kubernetes $(basename "$K8S"), node $HE_CL_NODE at $HE_CL_NODE_IP, registry $HE_CL_REGISTRY; enter its namespaces with: nsenter -t $HOLDER -n -m)"
trap - INT TERM
echo "$S/kubeconfig"
