#!/bin/sh
# npm run cluster:down — stops every process of the local-cluster tier by PID (the ones it recorded, and
# every process still in its network and mount namespaces: containerd's shims, the pods), so both
# namespaces end with every mount and iptables rule made in them; then removes the kubelet's cgroups and
# the state directory. Idempotent: with nothing up it does nothing and says so.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/env.sh"
S="$HE_CL_STATE"
log() { echo "cluster:down: $*" >&2; }

if [ "$(id -u)" != 0 ]; then log "needs root"; exit 2; fi
if [ ! -d "$S" ] && ! ls -d /sys/fs/cgroup/*/"$HE_CL_CGROUP" > /dev/null 2>&1; then log "nothing to stop"; exit 0; fi

# The PIDs: recorded ones, every process in the tier's network or mount namespace, and every process in the
# kubelet's cgroups (the containers: they have namespaces of their own).
pids() {
  for f in "$S"/pids/*; do [ -s "$f" ] && cat "$f"; done
  if [ -s "$S/ns" ]; then
    # every node's network and mount namespace (up.sh, node.sh: one "net:[...]" or "mnt:[...]" a line)
    for p in /proc/[0-9]*; do
      n="$(readlink "$p/ns/net" 2>/dev/null)"; m="$(readlink "$p/ns/mnt" 2>/dev/null)"
      if grep -qxF -e "${n:-none}" -e "${m:-none}" "$S/ns"; then echo "${p#/proc/}"; fi
    done
  fi
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$HE_CL_CGROUP" ] && find "$h$HE_CL_CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
}
alive() { for p in $(pids | sort -u); do [ "$p" != $$ ] && kill -0 "$p" 2>/dev/null && echo "$p"; done; }

# the kubelet and containerd first (so the kubelet does not restart pods), then everything else
for f in "$S"/pids/*kubelet "$S"/pids/*kube-proxy "$S"/pids/provisioner; do
  [ -s "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
done
i=0
while [ -n "$(alive)" ]; do
  for p in $(alive); do
    if [ "$i" -lt 10 ]; then kill -TERM "$p" 2>/dev/null; else kill -KILL "$p" 2>/dev/null; fi
  done
  i=$((i + 1))
  [ "$i" -gt 60 ] && { log "processes still running: $(alive | tr '\n' ' ')"; exit 1; }
  sleep 0.5
done

# the kubelet's cgroups (the pods' processes are gone: they are empty)
for h in /sys/fs/cgroup/*/; do
  [ -d "$h$HE_CL_CGROUP" ] && find "$h$HE_CL_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null
done
for h in /sys/fs/cgroup/*/; do
  [ -d "$h$HE_CL_CGROUP" ] && log "cgroup $h$HE_CL_CGROUP is still there"
done

# Mounts made in the tier's mount namespace ended with it; this only checks no mount under the state dir
# is visible here.
if grep -q " $S" /proc/self/mounts; then log "mounts under $S remain:"; grep " $S" /proc/self/mounts >&2; exit 1; fi
rm -rf "$S"
log "stopped; nothing left"
