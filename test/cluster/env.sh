# Shared settings of the local-cluster tier, sourced by up.sh, down.sh and provision.sh.
# Everything the tier creates is named he-cl*: the interfaces, the node, the StorageClass,
# the state directory, the cgroup root.
HE_CL_STATE="${HE_CL_STATE:-/var/lib/he-cl}"
HE_CL_CACHE="${HARBOR_EDGE_CACHE:-$HOME/.cache/harbor-edge}"
HE_CL_NODE="he-cl-node"
# Addresses exist only inside the namespace: the node's own address on a veth pair kept inside, the Service
# range, the pod range on the CNI bridge. There is no default route: nothing can leave.
HE_CL_NODE_IP="10.213.0.1"
HE_CL_SERVICE_CIDR="10.214.0.0/24"
HE_CL_POD_CIDR="10.215.0.0/24"
HE_CL_API_PORT="${HE_CL_API_PORT:-26443}"   # in the namespace, and forwarded on the host's 127.0.0.1
HE_CL_ETCD_PORT="22379"
HE_CL_REGISTRY="$HE_CL_NODE_IP:5000"
HE_CL_CGROUP="he-cl"
