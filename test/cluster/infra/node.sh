#!/bin/sh
# A node of the local-cluster tier: containerd + kubelet + kube-proxy, its bridge CNI with a pod range of its
# own, in a network namespace and a mount namespace of its own. Used by up.sh (he-cl-node, the control
# plane's namespace; he-cl-node-2) and by the drill scenario (a node that joins during an outage).
#
# Usage: node.sh NAME INDEX [PRESEED_DIR]
#        node.sh restart NAME   stop the node's kubelet and containerd (by PID; the pods' shims and containers
#                               keep running, as on a real node) and start them again
#        node.sh remove NAME    (INDEX > 1) stop every process of the node (by PID: the recorded ones, every
#                               process in its namespaces or its cgroups), so its namespaces, mounts, links
#                               and iptables rules go with them; remove its cgroups, the other nodes' routes
#                               to its pods, its Node object and its state
#   INDEX 1   the node shares the control plane's namespaces (the holder of up.sh), address 10.213.0.1
#   INDEX N>1 a new holder process makes its namespaces (no name on the host: they end with their last
#             process), address 10.213.0.N, joined to the first node's namespace by a veth pair whose near
#             end is a port of the bridge he-cl-lan there; routes to every other node's pod range, no
#             default route: nothing can leave
#   Pod range 10.215.(N-1).0/24. PRESEED_DIR: files copied into the node's containerd host directory before
#   containerd starts (e.g. what `harbor-edge node-config` wrote).
# State under $HE_CL_STATE/nodes/NAME (containerd's root and state, the kubelet's root, the CNI's, the node's
# certs.d and config.toml, bound at /etc/containerd inside its mount namespace), PIDs in pids/NAME-*.
# Does not wait for the node to be Ready (up.sh and the drill do).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/env.sh"
S="$HE_CL_STATE"
RESTART=0
if [ "$1" = remove ]; then
  NAME="$2"; D="$S/nodes/$NAME"
  if ! [ -s "$D/index" ] || [ "$(cat "$D/index")" = 1 ]; then echo "node $NAME: nothing to remove (or the first node)" >&2; exit 1; fi
  CIDR="$(he_cl_pod_cidr "$(cat "$D/index")")"
  HOLDER="$(cat "$S/pids/$NAME-holder")"
  net="$(readlink "/proc/$HOLDER/ns/net")"; mnt="$(readlink "/proc/$HOLDER/ns/mnt")"
  pids() {
    for f in "$S/pids/$NAME"-*; do [ -s "$f" ] && cat "$f"; done
    for p in /proc/[0-9]*; do
      { [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$net" ] || [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$mnt" ]; } && echo "${p#/proc/}"
    done
    for h in /sys/fs/cgroup/*/; do
      [ -d "$h$HE_CL_CGROUP/$NAME" ] && find "$h$HE_CL_CGROUP/$NAME" -name cgroup.procs -exec cat {} + 2>/dev/null
    done
  }
  alive() { for p in $(pids | sort -u); do [ "$p" != $$ ] && kill -0 "$p" 2>/dev/null && echo "$p"; done; }
  kill -TERM "$(cat "$S/pids/$NAME-kubelet")" 2>/dev/null
  i=0
  while [ -n "$(alive)" ]; do
    for p in $(alive); do if [ "$i" -lt 10 ]; then kill -TERM "$p" 2>/dev/null; else kill -KILL "$p" 2>/dev/null; fi; done
    i=$((i + 1)); [ "$i" -gt 60 ] && { echo "node $NAME: processes still running: $(alive | tr '\n' ' ')" >&2; exit 1; }
    sleep 0.5
  done
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$HE_CL_CGROUP/$NAME" ] && find "$h$HE_CL_CGROUP/$NAME" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  for other in "$S"/nodes/*/index; do
    o="$(basename "$(dirname "$other")")"; [ "$o" = "$NAME" ] && continue
    ohold="$(cat "$S/pids/holder")"; [ "$(cat "$other")" = 1 ] || ohold="$(cat "$S/pids/$o-holder")"
    nsenter -t "$ohold" -n ip route del "$CIDR" 2>/dev/null || true
  done
  "$(cat "$S/k8s")/bin/kubectl" --kubeconfig "$S/kubeconfig" delete node "$NAME" --ignore-not-found > /dev/null
  grep -vxF -e "$net" -e "$mnt" "$S/ns" > "$S/ns.tmp" || true
  mv "$S/ns.tmp" "$S/ns"
  rm -f "$S/pids/$NAME"-*
  rm -rf "$D"
  echo "node $NAME: removed" >&2
  exit 0
fi
if [ "$1" = restart ]; then RESTART=1; shift; set -- "$1" "$(cat "$S/nodes/$1/index")"; fi
NAME="$1"; IDX="$2"; PRESEED="${3:-}"
log() { echo "node $NAME: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

case "$IDX" in [1-9]) ;; *) die "INDEX must be 1..9" ;; esac
[ -s "$S/pids/holder" ] || die "the cluster is not up ($S/pids/holder)"
MAIN="$(cat "$S/pids/holder")"
K8S="$(cat "$S/k8s")"; BIN="$K8S/bin"; P="$S/pki"
IP="$(he_cl_node_ip "$IDX")"
CIDR="$(he_cl_pod_cidr "$IDX")"
D="$S/nodes/$NAME"
mkdir -p "$D/kubelet" "$D/containerd" "$D/cni/net.d" "$D/cni/ipam" "$D/containerd-conf" "$D/certs.d/$HE_CL_REGISTRY" "$D/volume-plugins"

start() {
  name="$NAME-$1"; shift
  # shellcheck disable=SC2016 # the inner sh expands it
  setsid -f nsenter -t "$HOLDER" -m -n -- env SSL_CERT_FILE="$P/ca.crt" \
    sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$S/pids/$name" "$@" < /dev/null > "$S/logs/$name.log" 2>&1
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$S/pids/$name" ] && return 0; sleep 0.2; done
  die "$name did not start"
}
start_containerd() {
  start containerd containerd --config /etc/containerd/config.toml
  i=0
  while [ ! -S "$D/containerd/containerd.sock" ] && [ "$i" -lt 60 ]; do i=$((i + 1)); sleep 0.5; done
  [ -S "$D/containerd/containerd.sock" ] || die "containerd did not start"
}
start_kubelet() {
  start kubelet "$BIN/kubelet" --config "$D/kubelet.yaml" --kubeconfig "$D/kubeconfig.node" \
    --container-runtime remote --container-runtime-endpoint "unix://$D/containerd/containerd.sock" \
    --root-dir "$D/kubelet" --hostname-override "$NAME" --node-ip "$IP" --v=1
}

if [ "$RESTART" = 1 ]; then
  HOLDER="$MAIN"; [ "$IDX" = 1 ] || HOLDER="$(cat "$S/pids/$NAME-holder")"
  for d in kubelet containerd; do
    pid="$(cat "$S/pids/$NAME-$d")"
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null; do
      i=$((i + 1)); [ "$i" -gt 40 ] && kill -KILL "$pid" 2>/dev/null; [ "$i" -gt 60 ] && die "$d ($pid) did not stop"
      sleep 0.5
    done
    rm -f "$S/pids/$NAME-$d"
  done
  rm -f "$D/containerd/containerd.sock"
  start_containerd
  start_kubelet
  log "restarted its containerd and kubelet"
  exit 0
fi

# --- namespaces ----------------------------------------------------------------------------------
if [ "$IDX" = 1 ]; then
  HOLDER="$MAIN"
else
  # shellcheck disable=SC2016 # the inner sh expands it
  setsid -f unshare --net --mount --propagation slave \
    sh -c 'mount -t tmpfs -o mode=755 he-cl-run /run && mount -t tmpfs he-cl-log /var/log && echo $$ > "$1" && exec sleep 2147483647' sh "$S/pids/$NAME-holder" \
    < /dev/null > "$S/logs/$NAME-holder.log" 2>&1
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$S/pids/$NAME-holder" ] && break; sleep 0.2; done
  [ -s "$S/pids/$NAME-holder" ] || die "the namespace holder did not start"
  HOLDER="$(cat "$S/pids/$NAME-holder")"
  # down.sh finds every process of the tier by these namespaces
  { readlink "/proc/$HOLDER/ns/net"; readlink "/proc/$HOLDER/ns/mnt"; } >> "$S/ns"
  NEAR="he-cl-lan$IDX"
  nsenter -t "$MAIN" -n sh -c "
    ip link show he-cl-lan > /dev/null 2>&1 || { ip link add he-cl-lan type bridge && ip link set he-cl-lan up &&
      ip route add $HE_CL_NODE_NET dev he-cl-lan src $HE_CL_NODE_IP; }
    ip link add $NEAR type veth peer name he-cl-eth0 netns $HOLDER && ip link set $NEAR master he-cl-lan && ip link set $NEAR up" \
    || die "joining the node's namespace to the first node's"
  nsenter -t "$HOLDER" -n sh -c "ip link set lo up && ip addr add $IP/24 dev he-cl-eth0 && ip link set he-cl-eth0 up && sysctl -qw net.ipv4.ip_forward=1" \
    || die "configuring the node's network namespace"
fi
# every node routes every other node's pod range to that node (the nodes listed in nodes/*/index)
nsenter -t "$HOLDER" -n sysctl -qw net.ipv4.ip_forward=1
# and the Service range to its own interface, as a default route would (none here): kube-proxy's DNAT then
# takes a host-network pod's connection (the node check's, to the API server) where it goes
DEV=he-cl-eth0; [ "$IDX" = 1 ] && DEV=he-cl0
nsenter -t "$HOLDER" -n ip route replace "$HE_CL_SERVICE_CIDR" dev "$DEV" || die "route to the Service range"
echo "$IDX" > "$D/index"
for other in "$S"/nodes/*/index; do
  j="$(cat "$other")"; [ "$j" = "$IDX" ] && continue
  ohold="$(cat "$S/pids/$(basename "$(dirname "$other")")-holder" 2>/dev/null || echo "$MAIN")"
  [ "$j" = 1 ] && ohold="$MAIN"
  nsenter -t "$HOLDER" -n ip route replace "$(he_cl_pod_cidr "$j")" via "$(he_cl_node_ip "$j")" || die "route to node $j's pods"
  nsenter -t "$ohold" -n ip route replace "$CIDR" via "$IP" || die "route from node $j to this node's pods"
done
inns() { nsenter -t "$HOLDER" -m -n -- "$@"; }

# --- certificates and kubeconfigs ------------------------------------------------------------------
cert() { # NAME SUBJECT [SANS]
  openssl req -newkey rsa:2048 -nodes -keyout "$P/$1.key" -out "$P/$1.csr" -subj "$2" 2>/dev/null
  if [ -n "${3:-}" ]; then printf 'subjectAltName=%s\n' "$3" > "$P/$1.ext"; else : > "$P/$1.ext"; fi
  openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 -extfile "$P/$1.ext" -out "$P/$1.crt" 2>/dev/null
}
cert "kubelet-$NAME" "/CN=$NAME" "IP:$IP,DNS:$NAME"
cert "node-$NAME" "/O=system:nodes/CN=system:node:$NAME"
# the first node reaches the API server on loopback, the others at the first node's address
API="127.0.0.1"; [ "$IDX" = 1 ] || API="$HE_CL_NODE_IP"
he_cl_kubeconfig "$D/kubeconfig.node" "node-$NAME" "$API:$HE_CL_API_PORT" "$P"
he_cl_kubeconfig "$D/kubeconfig.proxy" proxy "$API:$HE_CL_API_PORT" "$P"

# --- containerd ----------------------------------------------------------------------------------
cat > "$D/cni/net.d/10-he-cl.conflist" <<CNI
{ "cniVersion": "0.4.0", "name": "he-cl", "plugins": [ { "type": "bridge", "bridge": "he-cl-br0", "isGateway": true,
  "ipMasq": false, "hairpinMode": true,
  "ipam": { "type": "host-local", "dataDir": "$D/cni/ipam", "ranges": [[{ "subnet": "$CIDR" }]],
            "routes": [{ "dst": "0.0.0.0/0" }] } } ] }
CNI
# containerd reads its registry hosts from a host directory (config_path), as on a node that uses Harbor's
# node mirror: the tier's own registry gets a hosts.toml there (plain http), and the DaemonSet writes
# Harbor's files next to it. The node sees them where a Debian node has them, /etc/containerd/certs.d and
# /etc/containerd/config.toml (the only roots the chart accepts for the DaemonSet): inside the node's mount
# namespace a tmpfs covers /etc/containerd and binds $D/certs.d and $D/containerd-conf/config.toml there, so
# the host's own /etc/containerd is never touched and the tests read the node's files under $D.
NODE_CONTAINERD=/etc/containerd
[ -d "$NODE_CONTAINERD" ] || die "$NODE_CONTAINERD does not exist (Debian's containerd package makes it): the tier mounts over it in its own namespace"
cat > "$D/certs.d/$HE_CL_REGISTRY/hosts.toml" <<TOML
server = "http://$HE_CL_REGISTRY"

[host."http://$HE_CL_REGISTRY"]
  capabilities = ["pull", "resolve"]
TOML
if [ -n "$PRESEED" ]; then cp -R "$PRESEED"/. "$D/certs.d/" || die "copying $PRESEED into the host directory"; fi
cat > "$D/containerd-conf/config.toml" <<TOML
version = 2
root = "$D/containerd/root"
state = "$D/containerd/state"
[grpc]
  address = "$D/containerd/containerd.sock"
[ttrpc]
  address = "$D/containerd/containerd.sock.ttrpc"
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
    conf_dir = "$D/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$NODE_CONTAINERD/certs.d"
TOML
# /etc/containerd as above; /var/lib/cni (the CNI's result cache, a host directory) a tmpfs of the node's own
# shellcheck disable=SC2016 # the inner sh expands it
inns sh -c 'mount -t tmpfs -o mode=755 he-cl-containerd "$1" && mkdir "$1/certs.d" && touch "$1/config.toml" &&
  mount --bind "$2/certs.d" "$1/certs.d" && mount --bind "$2/containerd-conf/config.toml" "$1/config.toml" &&
  { [ ! -d /var/lib/cni ] || mount -t tmpfs -o mode=755 he-cl-cni /var/lib/cni; }' sh "$NODE_CONTAINERD" "$D" \
  || die "mounting the node's containerd directory in its namespace"
start_containerd

# --- kubelet, kube-proxy ---------------------------------------------------------------------------
# each node's pods live in cgroups under /he-cl/NAME in every hierarchy (down.sh removes /he-cl): a kubelet
# removes the pod cgroups it does not know under its own root, so two nodes cannot share one
for h in /sys/fs/cgroup/*/; do
  [ -f "$h/cgroup.procs" ] && mkdir -p "$h$HE_CL_CGROUP/$NAME"
done
printf 'nameserver %s\n' "$HE_CL_NODE_IP" > "$D/resolv.conf"
cat > "$D/kubelet.yaml" <<YML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $P/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $P/kubelet-$NAME.crt
tlsPrivateKeyFile: $P/kubelet-$NAME.key
cgroupDriver: cgroupfs
cgroupRoot: /$HE_CL_CGROUP/$NAME
failSwapOn: false
clusterDomain: cluster.local
# the tests serve the cluster's DNS on the first node's address when a pod must resolve a Service name
clusterDNS: [$HE_CL_NODE_IP]
resolvConf: $D/resolv.conf
volumePluginDir: $D/volume-plugins
serializeImagePulls: false
# a high rate limit on the kubelet's Events (default 5/s; 0 is not "unlimited" there, the API client reads it
# as its default 5/s): the scenarios leave many pods in ImagePullBackOff whose Events, rejected once their
# namespace is gone, would otherwise queue for minutes ahead of the Events a later scenario reads
eventRecordQPS: 1000
eventBurst: 1000
imageGCHighThresholdPercent: 100
evictionHard: { memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%" }
YML
start_kubelet
start kube-proxy "$BIN/kube-proxy" --kubeconfig "$D/kubeconfig.proxy" --hostname-override "$NAME" \
  --cluster-cidr "$HE_CL_POD_NET" --proxy-mode iptables --conntrack-max-per-core 0 \
  --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
  --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 --profiling=false --v=1
log "started at $IP (pods $CIDR; enter its namespaces with: nsenter -t $HOLDER -n -m)"
