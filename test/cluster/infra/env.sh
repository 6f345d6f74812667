# shellcheck shell=sh
# Shared settings of the local-cluster tier, sourced by up.sh, down.sh and node.sh.
# Everything the tier creates is named he-cl*: the interfaces, the node, the StorageClass,
# the state directory, the cgroup root.
# shellcheck disable=SC2034 # sourced: the variables are used by the scripts that source it
HE_CL_STATE="${HE_CL_STATE:-/var/lib/he-cl}"
HE_CL_CACHE="${HARBOR_EDGE_CACHE:-$HOME/.cache/harbor-edge}"
HE_CL_NODE="he-cl-node"
# the nodes cluster:up starts (node.sh NAME INDEX); the drill scenario adds he-cl-node-3 during its outage
HE_CL_NODES="he-cl-node he-cl-node-2"
# Addresses exist only inside the namespaces: the first node's address on a veth pair kept inside, the other
# nodes' on veth pairs to a bridge in the first node's namespace, the Service range, each node's pod range on
# its CNI bridge. There is no default route: nothing can leave.
HE_CL_NODE_IP="10.213.0.1"
HE_CL_SERVICE_CIDR="10.214.0.0/24"
HE_CL_POD_CIDR="10.215.0.0/24"   # the first node's; node N has 10.215.(N-1).0/24
HE_CL_POD_NET="10.215.0.0/16"
HE_CL_NODE_NET="10.213.0.0/24"   # node N at 10.213.0.N, on the bridge he-cl-lan in the first node's namespace
he_cl_node_ip() { echo "10.213.0.$1"; }
he_cl_pod_cidr() { echo "10.215.$(($1 - 1)).0/24"; }
HE_CL_API_PORT="${HE_CL_API_PORT:-26443}"   # in the namespace, and forwarded on the host's 127.0.0.1
HE_CL_ETCD_PORT="22379"
HE_CL_REGISTRY="$HE_CL_NODE_IP:5000"
HE_CL_CGROUP="he-cl"

# A kubeconfig for the tier's API server at SERVER (host:port) with USER's client certificate from the tier's
# PKI directory (PKI/USER.crt and PKI/USER.key, trusting PKI/ca.crt), its context in NAMESPACE when given: the
# control plane's and the admin's (up.sh) and each node's kubelet and kube-proxy (node.sh).
he_cl_kubeconfig() { # FILE USER SERVER PKI [NAMESPACE]
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: he-cl
    cluster:
      server: https://$3
      certificate-authority: $4/ca.crt
users:
  - name: $2
    user:
      client-certificate: $4/$2.crt
      client-key: $4/$2.key
contexts:
  - name: he-cl
    context: { cluster: he-cl, user: $2${5:+, namespace: $5} }
current-context: he-cl
KC
}
