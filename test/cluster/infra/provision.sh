#!/bin/sh
# The StorageClass he-cl-hostpath's provisioner: every 2 s, each Pending claim of that class gets a
# hostPath PersistentVolume of its requested size, pre-bound to it (claimRef), under VOLUMES/<claim uid>.
# The PersistentVolume controller then binds them. Retain: a kept claim keeps its volume.
# Usage: provision.sh KUBECTL KUBECONFIG VOLUMES
set -u
KUBECTL="$1 --kubeconfig $2"; VOLUMES="$3"
while :; do
  $KUBECTL get pvc --all-namespaces -o 'jsonpath={range .items[?(@.status.phase=="Pending")]}{.metadata.namespace} {.metadata.name} {.metadata.uid} {.spec.storageClassName} {.spec.resources.requests.storage} {.spec.volumeName}{"\n"}{end}' 2>/dev/null |
  while read -r ns name uid class size volume; do
    if [ "$class" != he-cl-hostpath ] || [ -n "${volume:-}" ]; then continue; fi
    $KUBECTL get pv "he-cl-$uid" > /dev/null 2>&1 && continue
    mkdir -p "$VOLUMES/$uid" && chmod 0777 "$VOLUMES/$uid"
    $KUBECTL create -f - > /dev/null <<PV && echo "provisioned he-cl-$uid for $ns/$name ($size)"
apiVersion: v1
kind: PersistentVolume
metadata:
  name: he-cl-$uid
  annotations: { pv.kubernetes.io/provisioned-by: harbor-edge.test/he-cl-hostpath }
spec:
  storageClassName: he-cl-hostpath
  capacity: { storage: "$size" }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  claimRef: { namespace: "$ns", name: "$name", uid: "$uid" }
  hostPath: { path: "$VOLUMES/$uid", type: DirectoryOrCreate }
PV
  done
  sleep 2
done
