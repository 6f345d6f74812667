#!/bin/sh
# node-mirror.sh: writes Harbor's containerd host files into a node's containerd host directory, keeps a
# backup of what was there, and puts it back. Run by the chart's node-mirror DaemonSet (nodeMirror.enabled)
# in the harbor-core image the chart already pulls (POSIX sh; cp, mv, ln, ls, rm, mkdir, rmdir, chmod, cmp,
# sed, grep, cat, sleep: all in the image's toybox; curl, which the image carries; no awk, tr or jq).
#
# Usage: node-mirror.sh install|restore|check|ready|run|stop
#   install  Creates HOST_DIR when it is missing (its parent must exist). For every SOURCE/<H with ':' as '_'>.hosts.toml (the ConfigMap harbor-edge-node-mirror), make
#            HOST_DIR/<H>/ hold exactly that hosts.toml and, next to it, harbor-ca.crt (the CA file).
#            Only registries it manages are touched. The first time it takes over a registry directory it
#            keeps what was there: an existing hosts.toml or harbor-ca.crt is kept as
#            <file>.harbor-edge.bak (a hard link, so the original bytes, mode, owner and times come back),
#            and the marker file .harbor-edge-node-mirror records that the directory is managed and whether
#            it created it. Files are replaced atomically (a temporary file renamed over the old one), and
#            a file whose bytes are already right is not written: a rerun with no change writes nothing.
#            A managed registry that is no longer in SOURCE is restored as in `restore`.
#            hosts.toml is written byte for byte as SOURCE has it (the CLI harbor-edge node-config writes
#            the same bytes); ownership is recorded in the marker file, not in hosts.toml.
#   restore  For every managed registry directory: put the backups back, remove the files it wrote and the
#            marker, and the directory itself when it created it and nothing else is left there. Files of
#            other registries are never touched.
#   check    Reports, in one line, whether containerd reads HOST_DIR: config_path under
#            [plugins."io.containerd.cri.v1.images".registry] (containerd 2.x) or
#            [plugins."io.containerd.grpc.v1.cri".registry] (containerd 1.x) of CONTAINERD_CONFIG must be
#            HOST_DIR. Unset, containerd up to 2.1 reads no host directory, and 2.2 defaults to the
#            colon-separated "/etc/containerd/certs.d:/etc/docker/certs.d", which its transfer service
#            (the default way the CRI pulls since 2.1) takes as one directory name and so ignores. A
#            colon-separated path is accepted only with use_local_image_pull = true. Imported files
#            (imports = [...]) are not read.
#            Its line, "ok|problem node-mirror check on NODE: ...", is kept in STATE_DIR/check by `run`.
#   ready    The readiness probe: succeeds once `run` has finished its first round (install and check),
#            whatever the check found, and prints the last check line. containerd's configuration is the
#            node's business: it must not hold up `helm install --wait` (harbor-edge status reports it).
#   run      The DaemonSet's container: install and check, then again every INTERVAL seconds (a ConfigMap
#            or Secret change reaches the node); every WATCH seconds a cheap look (no process started but
#            sleep) whether each managed registry's files are still there, and a full round at once when
#            not: k3s and RKE2 remove and rewrite their certs.d when they start, so HOST_DIR is addressed
#            through its parent and recreated when missing. On SIGTERM or SIGINT it asks the API server
#            whether its DaemonSet still exists (stop, below) and restores only when it does not.
#            The last line is kept in the termination message.
#   stop     What run does on SIGTERM: restores when the DaemonSet is gone (an uninstall, or
#            nodeMirror.enabled turned off), else keeps the files (a roll, an eviction, a node shutdown).
#            GET apis/apps/v1/namespaces/NAMESPACE/daemonsets/DAEMONSET at https://KUBERNETES_SERVICE_HOST:
#            KUBERNETES_SERVICE_PORT with the ServiceAccount token and CA of NODE_MIRROR_SERVICEACCOUNT (the
#            chart's token Secret, valid while the Secret and the ServiceAccount exist, also for a pod
#            deleted with --force), at most 5 seconds:
#              404, or 200 with a deletionTimestamp (foreground deletion)       restore
#              401 or 403: the token's Secret, the ServiceAccount or the        restore
#                RoleBinding is gone, which only the chart's removal does
#                (helm deletes them with the DaemonSet, before the pod stops)
#              200                                                               keep
#              anything else, no answer, no token                                keep, and says why
#            Kept files are harmless: each hosts.toml has the registry itself as `server`, the last resort.
#
# Environment:
#   NODE_MIRROR_SOURCE            directory of *.hosts.toml files (default /etc/harbor-edge/node-mirror)
#   NODE_MIRROR_CA                the CA file to write as harbor-ca.crt (default /etc/harbor-edge/ca/ca.crt);
#                                 missing or empty: no harbor-ca.crt is written
#   NODE_MIRROR_HOST_DIR          the host directory as this process sees it (default /host/certs.d); the
#                                 DaemonSet mounts its parent, so a removed directory can be recreated
#   NODE_MIRROR_HOST_DIR_ON_NODE  the same directory as containerd sees it, for check and messages
#                                 (default: NODE_MIRROR_HOST_DIR)
#   NODE_MIRROR_CONTAINERD_CONFIG the containerd configuration file as this process sees it (default
#                                 /host/containerd/config.toml)
#   NODE_MIRROR_CONTAINERD_CONFIG_ON_NODE  its path on the node, for messages (default: the same)
#   NODE_MIRROR_STATE_DIR         where the last check line is kept for `ready` (default /run/harbor-edge)
#   NODE_MIRROR_INTERVAL          seconds between two runs of install and check in `run` (default 60)
#   NODE_MIRROR_WATCH             seconds between two looks whether the files are there (default 5)
#   NODE_MIRROR_NAMESPACE         the DaemonSet's namespace (default: the ServiceAccount's namespace file)
#   NODE_MIRROR_DAEMONSET         the DaemonSet's name (default harbor-edge-node-mirror)
#   NODE_MIRROR_SERVICEACCOUNT    the ServiceAccount directory: token, ca.crt, namespace (default
#                                 /var/run/secrets/kubernetes.io/serviceaccount)
#   KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT  the API server, as the kubelet sets them
#   NODE_MIRROR_TERMINATION_LOG   the termination message file (default /dev/termination-log)
#   NODE_NAME                     the node's name, for messages
# Exit status: 0 done (check: containerd reads HOST_DIR); 1 failed (check: it does not; one line says why);
# 2 bad usage or input.

set -u
umask 022

SOURCE=${NODE_MIRROR_SOURCE:-/etc/harbor-edge/node-mirror}
CA=${NODE_MIRROR_CA:-/etc/harbor-edge/ca/ca.crt}
HOST_DIR=${NODE_MIRROR_HOST_DIR:-/host/certs.d}
HOST_DIR=${HOST_DIR%/}
NODE_HOST_DIR=${NODE_MIRROR_HOST_DIR_ON_NODE:-$HOST_DIR}
NODE_HOST_DIR=${NODE_HOST_DIR%/}
CONFIG=${NODE_MIRROR_CONTAINERD_CONFIG:-/host/containerd/config.toml}
NODE_CONFIG=${NODE_MIRROR_CONTAINERD_CONFIG_ON_NODE:-$CONFIG}
STATE_DIR=${NODE_MIRROR_STATE_DIR:-/run/harbor-edge}
INTERVAL=${NODE_MIRROR_INTERVAL:-60}
WATCH=${NODE_MIRROR_WATCH:-5}
SA_DIR=${NODE_MIRROR_SERVICEACCOUNT:-/var/run/secrets/kubernetes.io/serviceaccount}
DAEMONSET=${NODE_MIRROR_DAEMONSET:-harbor-edge-node-mirror}
TERMINATION_LOG=${NODE_MIRROR_TERMINATION_LOG:-/dev/termination-log}
NODE=${NODE_NAME:-this node}

MARKER=.harbor-edge-node-mirror
BAK=.harbor-edge.bak
TMP=.harbor-edge.tmp
FILES="hosts.toml harbor-ca.crt"

say() { printf 'node-mirror: %s\n' "$*"; }
warn() { printf 'node-mirror: WARNING: %s\n' "$*" >&2; }
die() { printf 'node-mirror: ERROR: %s\n' "$*" >&2; exit "${2:-1}"; }

WRITES=0
FAILED=0

# --- files ------------------------------------------------------------------------------------------------

# put SRC DST: DST gets exactly the bytes of SRC, through a temporary file renamed over it; nothing is
# written when they are already equal. SRC empty: DST is removed.
put() {
  if [ -z "$1" ]; then
    if [ -e "$2" ] || [ -L "$2" ]; then rm -f "$2" && say "removed $(node_path "$2")" && WRITES=$((WRITES + 1)); fi
    return
  fi
  if [ -f "$2" ] && cmp -s "$1" "$2"; then return 0; fi
  if cp "$1" "$2$TMP" && chmod 0644 "$2$TMP" && mv -f "$2$TMP" "$2"; then
    WRITES=$((WRITES + 1))
    say "wrote $(node_path "$2")"
  else
    rm -f "$2$TMP"
    warn "could not write $(node_path "$2")"
    FAILED=1
  fi
}

# keep FILE: the first time a registry directory is taken over, FILE (when there) is kept as FILE.harbor-edge.bak.
keep() {
  if { [ -e "$1" ] || [ -L "$1" ]; } && [ ! -e "$1$BAK" ]; then
    # a hard link keeps the very file (bytes, mode, owner, times); a copy when the file system refuses one
    ln "$1" "$1$BAK" 2>/dev/null || cp -p "$1" "$1$BAK" || { warn "could not back up $(node_path "$1")"; return 1; }
    say "kept $(node_path "$1") as $(node_path "$1$BAK")"
  fi
}

node_path() { printf '%s%s' "$NODE_HOST_DIR" "${1#"$HOST_DIR"}"; }

# the registry host of a source key: SOURCE/<H with ':' as '_'>.hosts.toml
host_of_key() { printf '%s\n' "${1%.hosts.toml}" | sed 's/_/:/g'; }
key_of_host() { printf '%s.hosts.toml' "$(printf '%s\n' "$1" | sed 's/:/_/g')"; }

valid_host() {
  case $1 in
    '' | .* | :* | -* | */* | *[!]A-Za-z0-9.:[-]*) return 1 ;;
  esac
}

# --- install ------------------------------------------------------------------------------------------------

# HOST_DIR, reached through its parent (the DaemonSet mounts the parent): created again when k3s or RKE2
# removed it. Only HOST_DIR itself is ever created or written in the parent.
host_dir() {
  [ -d "$HOST_DIR" ] && return 0
  parent=${HOST_DIR%/*}
  [ -d "${parent:-/}" ] || { warn "the parent of the host directory, ${parent:-/}, does not exist (hostPath not mounted)"; return 1; }
  mkdir "$HOST_DIR" 2>/dev/null || [ -d "$HOST_DIR" ] || { warn "could not create $NODE_HOST_DIR"; return 1; }
  say "created $NODE_HOST_DIR on $NODE"
}

# present: every registry of SOURCE still has its marker, hosts.toml and (with a CA) harbor-ca.crt in HOST_DIR.
# Run every WATCH seconds, so only the shell's own tests and expansions: no process is started.
present() {
  [ -d "$HOST_DIR" ] || return 1
  for src in "$SOURCE"/*.hosts.toml; do
    [ -f "$src" ] || continue
    h=${src##*/}
    h=${h%.hosts.toml}
    while :; do case $h in *_*) h=${h%%_*}:${h#*_} ;; *) break ;; esac; done
    valid_host "$h" || continue
    [ -f "$HOST_DIR/$h/$MARKER" ] && [ -f "$HOST_DIR/$h/hosts.toml" ] || return 1
    if [ -s "$CA" ] && [ ! -f "$HOST_DIR/$h/harbor-ca.crt" ]; then return 1; fi
  done
  return 0
}

take_over() { # DIR: back up what is there, then mark DIR as managed
  if [ -d "$1" ]; then
    for f in $FILES; do keep "$1/$f" || return 1; done
    how=existed
  else
    mkdir "$1" || { warn "could not create $(node_path "$1")"; return 1; }
    how=created
  fi
  if ! { printf '# harbor-edge node-mirror manages this directory; restore puts back the *%s files.\ndirectory=%s\n' "$BAK" "$how" >"$1/$MARKER$TMP" &&
    mv -f "$1/$MARKER$TMP" "$1/$MARKER"; }; then
    rm -f "$1/$MARKER$TMP"; warn "could not mark $(node_path "$1")"; return 1
  fi
  say "took over $(node_path "$1") (directory $how)"
}

install() {
  [ -d "$SOURCE" ] || die "the source directory $SOURCE does not exist (ConfigMap harbor-edge-node-mirror not mounted)" 2
  host_dir || return 2
  ca=
  if [ -s "$CA" ]; then ca=$CA; elif [ -z "${QUIET:-}" ]; then warn "no CA in $CA: harbor-ca.crt is not written"; fi
  for src in "$SOURCE"/*.hosts.toml; do
    [ -f "$src" ] || continue
    h=$(host_of_key "${src##*/}")
    if ! valid_host "$h"; then warn "skipped ${src##*/}: not a registry host"; FAILED=1; continue; fi
    d=$HOST_DIR/$h
    if [ ! -f "$d/$MARKER" ]; then take_over "$d" || { FAILED=1; continue; }; fi
    put "$src" "$d/hosts.toml"
    put "$ca" "$d/harbor-ca.crt"
  done
  # registries managed before but not any more
  for m in "$HOST_DIR"/*/"$MARKER"; do
    [ -f "$m" ] || continue
    d=${m%/*}
    [ -f "$SOURCE/$(key_of_host "${d##*/}")" ] || restore_dir "$d"
  done
  if [ "$WRITES" -eq 0 ]; then [ -n "${QUIET:-}" ] || say "install: nothing to change in $NODE_HOST_DIR on $NODE"; else say "install: $WRITES change(s) in $NODE_HOST_DIR on $NODE"; fi
  return "$FAILED"
}

# --- restore ------------------------------------------------------------------------------------------------

# same_file A B: A and B are one file (two names of one inode), as `test -ef` would say outside POSIX
same_file() {
  [ -e "$1" ] && [ -e "$2" ] || return 1
  set -- "$(ls -di -- "$1" 2>/dev/null)" "$(ls -di -- "$2" 2>/dev/null)"
  set -- "${1#"${1%%[! ]*}"}" "${2#"${2%%[! ]*}"}"
  [ -n "${1%% *}" ] && [ "${1%% *}" = "${2%% *}" ]
}

restore_dir() {
  d=$1
  for f in $FILES; do
    if same_file "$d/$f" "$d/$f$BAK"; then
      # the kept file was never replaced (its bytes were already right): drop the second name
      rm -f "$d/$f$BAK" || FAILED=1
    elif [ -e "$d/$f$BAK" ] || [ -L "$d/$f$BAK" ]; then
      mv -f "$d/$f$BAK" "$d/$f" && say "restored $(node_path "$d/$f")" && WRITES=$((WRITES + 1)) || FAILED=1
    elif [ -e "$d/$f" ]; then
      rm -f "$d/$f" && say "removed $(node_path "$d/$f")" && WRITES=$((WRITES + 1)) || FAILED=1
    fi
    rm -f "$d/$f$TMP"
  done
  created=false
  if grep -qx 'directory=created' "$d/$MARKER" 2>/dev/null; then created=true; fi
  rm -f "$d/$MARKER" "$d/$MARKER$TMP" || FAILED=1
  if $created; then
    if rmdir "$d" 2>/dev/null; then say "removed $(node_path "$d")"; else warn "left $(node_path "$d"): it holds files harbor-edge did not write"; fi
  fi
}

restore() {
  if [ ! -d "$HOST_DIR" ]; then
    [ -d "${HOST_DIR%/*}" ] || die "the parent of the host directory, ${HOST_DIR%/*}, does not exist (hostPath not mounted)" 2
    say "restore: $NODE_HOST_DIR does not exist on $NODE: nothing to put back"
    return 0
  fi
  for m in "$HOST_DIR"/*/"$MARKER"; do
    [ -f "$m" ] || continue
    restore_dir "${m%/*}"
  done
  say "restore: $WRITES change(s) in $NODE_HOST_DIR on $NODE"
  return "$FAILED"
}

# --- check --------------------------------------------------------------------------------------------------

# a TOML key or table name without blanks, quotes and brackets: plugins."io.containerd.cri.v1.images".registry
# becomes plugins.io.containerd.cri.v1.images.registry
bare() { printf '%s\n' "$1" | sed "s/[][[:space:]\"']//g"; }
# a TOML string value without blanks, quotes and a trailing comment
value() { printf '%s\n' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*#[^"'"'"']*$//' -e 's/[[:space:]]*$//' -e 's/^["'"'"']//' -e 's/["'"'"']$//'; }

CHECK_OK=false
CHECK_LINE=
check_result() { if [ "$1" = ok ]; then CHECK_OK=true; else CHECK_OK=false; fi; CHECK_LINE="node-mirror check on $NODE: $2"; }

V2=plugins.io.containerd.cri.v1.images
V1=plugins.io.containerd.grpc.v1.cri
HOW="set config_path = \"$NODE_HOST_DIR\" under [plugins.\"io.containerd.cri.v1.images\".registry] (containerd 2.x) or [plugins.\"io.containerd.grpc.v1.cri\".registry] (containerd 1.x) in $NODE_CONFIG and restart containerd"

check() {
  if [ ! -f "$CONFIG" ]; then
    check_result problem "containerd does not read $NODE_HOST_DIR: $NODE_CONFIG does not exist, so config_path is unset (containerd up to 2.1 reads no host directory; 2.2 reads /etc/containerd/certs.d:/etc/docker/certs.d, which its transfer service ignores); $HOW"
    return
  fi
  section='' path2='' path1='' set2=false set1=false local_pull=false
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      *config_path*=* | *use_local_image_pull*=* | *\[*) ;;
      *) continue ;;
    esac
    trimmed=$(printf '%s' "$line" | sed 's/^[[:space:]]*//')
    case $trimmed in
      '#'*) continue ;;
      '['*) section=$(bare "${trimmed%%]*}"); continue ;;
    esac
    key=$(bare "${trimmed%%=*}")
    full=${section:+$section.}$key
    case $full in
      "$V2.registry.config_path") set2=true; path2=$(value "${trimmed#*=}") ;;
      "$V1.registry.config_path" | plugins.cri.registry.config_path) set1=true; path1=$(value "${trimmed#*=}") ;;
      "$V2.use_local_image_pull") [ "$(value "${trimmed#*=}")" = true ] && local_pull=true ;;
    esac
  done <"$CONFIG"
  if $set2; then path=$path2 where='[plugins."io.containerd.cri.v1.images".registry]'
  elif $set1; then path=$path1 where='[plugins."io.containerd.grpc.v1.cri".registry]'
  else path='' where=''; fi
  if [ -z "$path" ]; then
    check_result problem "containerd does not read $NODE_HOST_DIR: config_path is unset in $NODE_CONFIG (containerd up to 2.1 then reads no host directory; 2.2 reads /etc/containerd/certs.d:/etc/docker/certs.d, which its transfer service ignores); $HOW"
    return
  fi
  case $path in
    *:*)
      if $local_pull; then
        old_ifs=$IFS IFS=:
        for p in $path; do
          IFS=$old_ifs
          if [ "${p%/}" = "$NODE_HOST_DIR" ]; then check_result ok "containerd reads $NODE_HOST_DIR (config_path \"$path\" in $where of $NODE_CONFIG, with use_local_image_pull)"; return; fi
        done
        IFS=$old_ifs
        check_result problem "containerd does not read $NODE_HOST_DIR: config_path \"$path\" in $where of $NODE_CONFIG does not list it; $HOW"
      else
        check_result problem "containerd does not read $NODE_HOST_DIR: config_path \"$path\" in $where of $NODE_CONFIG is colon-separated, which containerd's transfer service (containerd 2.1 and later) ignores; $HOW"
      fi
      return ;;
  esac
  if [ "${path%/}" = "$NODE_HOST_DIR" ]; then
    check_result ok "containerd reads $NODE_HOST_DIR (config_path in $where of $NODE_CONFIG)"
  else
    check_result problem "containerd does not read $NODE_HOST_DIR: config_path in $where of $NODE_CONFIG is \"$path\"; set nodeMirror.hostDir to \"$path\", or $HOW"
  fi
}

# keep the check line for the readiness probe and the termination message, rewriting only on change
record() {
  mkdir -p "$STATE_DIR" 2>/dev/null
  status=problem; $CHECK_OK && status=ok
  line="$status $CHECK_LINE"
  if [ "$(cat "$STATE_DIR/check" 2>/dev/null)" != "$line" ]; then
    printf '%s\n' "$line" >"$STATE_DIR/check$TMP" && mv -f "$STATE_DIR/check$TMP" "$STATE_DIR/check"
    message "$CHECK_LINE"
  fi
}

message() { [ -w "$TERMINATION_LOG" ] && printf '%s\n' "$1" >"$TERMINATION_LOG" 2>/dev/null; return 0; }

# --- run ----------------------------------------------------------------------------------------------------

# --- stop ---------------------------------------------------------------------------------------------------

# decide: VERDICT restore or keep, and WHY, from the API server's answer about this pod's DaemonSet
decide() {
  VERDICT=keep
  ns=${NODE_MIRROR_NAMESPACE:-$(cat "$SA_DIR/namespace" 2>/dev/null)}
  token=$(cat "$SA_DIR/token" 2>/dev/null) || token=''
  host=${KUBERNETES_SERVICE_HOST:-}
  port=${KUBERNETES_SERVICE_PORT:-443}
  if [ -z "$host" ]; then WHY="KUBERNETES_SERVICE_HOST is unset, so the API server cannot be asked"; return; fi
  case $host in *[!A-Za-z0-9.:-]*) WHY="KUBERNETES_SERVICE_HOST '$host' is not a host name or address"; return ;; *:*) host="[$host]" ;; esac
  case $port in '' | *[!0-9]*) WHY="KUBERNETES_SERVICE_PORT '$port' is not a port"; return ;; esac
  case $ns in '' | *[!a-z0-9-]*) WHY="no namespace (NODE_MIRROR_NAMESPACE or $SA_DIR/namespace)"; return ;; esac
  case $DAEMONSET in '' | *[!a-z0-9.-]*) WHY="NODE_MIRROR_DAEMONSET '$DAEMONSET' is not a name"; return ;; esac
  # a token is base64url in three parts; it goes to curl on stdin, never on its command line
  case $token in '' | *[!A-Za-z0-9._-]*) WHY="no usable ServiceAccount token in $SA_DIR/token"; return ;; esac
  url=https://$host:$port/apis/apps/v1/namespaces/$ns/daemonsets/$DAEMONSET
  answer=$(printf 'header = "Authorization: Bearer %s"\n' "$token" |
    curl -s -g --max-time 5 --max-filesize 4194304 --cacert "$SA_DIR/ca.crt" -K - -w '\n%{http_code}' "$url" 2>/dev/null)
  rc=$?
  code=${answer##*"
"}
  body=${answer%"
"*}
  if [ "$rc" -ne 0 ]; then
    case $rc in
      7) WHY="the API server at $host:$port refused the connection or is unreachable" ;;
      28) WHY="the API server at $host:$port did not answer within 5 seconds" ;;
      35 | 51 | 53 | 58 | 59 | 60 | 77 | 83 | 90 | 91) WHY="TLS with the API server at $host:$port failed (curl exit $rc; CA $SA_DIR/ca.crt)" ;;
      *) WHY="asking the API server at $host:$port failed (curl exit $rc)" ;;
    esac
    return
  fi
  case $code in
    404) VERDICT=restore WHY="the DaemonSet $ns/$DAEMONSET is gone (404)" ;;
    401 | 403) VERDICT=restore WHY="this pod's token, ServiceAccount or RoleBinding is gone ($code), which only the chart's removal of the DaemonSet does" ;;
    200)
      case $body in
        *'"deletionTimestamp"'*) VERDICT=restore WHY="the DaemonSet $ns/$DAEMONSET is being deleted (deletionTimestamp)" ;;
        *) WHY="the DaemonSet $ns/$DAEMONSET still exists (a roll, an eviction or a node shutdown)" ;;
      esac ;;
    *) WHY="the API server answered $code about the DaemonSet $ns/$DAEMONSET" ;;
  esac
}

SLEEPER=''
stop() {
  [ -n "$SLEEPER" ] && kill "$SLEEPER" 2>/dev/null
  decide
  if [ "$VERDICT" = keep ]; then
    # the hosts.toml files name the registry itself as `server`: kept files are harmless, removed ones are not
    say "stopping on $NODE: keeping the host files in $NODE_HOST_DIR: $WHY"
    message "node-mirror on $NODE: kept $NODE_HOST_DIR: $WHY"
    exit 0
  fi
  say "stopping on $NODE: $WHY: restoring what was there before"
  WRITES=0 FAILED=0
  if restore; then message "node-mirror on $NODE: restored $NODE_HOST_DIR ($WRITES change(s)): $WHY"; exit 0; fi
  message "node-mirror on $NODE: restore of $NODE_HOST_DIR failed"
  exit 1
}

# --- run ----------------------------------------------------------------------------------------------------

ROUND_OK=false
round() {
  WRITES=0 FAILED=0
  installed=true
  ( install ) || { installed=false; warn "install did not complete on $NODE; trying again in ${INTERVAL}s"; }
  ROUND_OK=$installed
  QUIET=1
  check
  if ! $installed; then check_result problem "the host files in $NODE_HOST_DIR are not complete (see the lines above in the log); ${CHECK_LINE#node-mirror check on "$NODE": }"; fi
  record
  # the line goes to the log when it changes, not every round
  if [ "$CHECK_LINE" != "$last" ]; then
    if $CHECK_OK; then say "${CHECK_LINE#node-mirror }"; else warn "${CHECK_LINE#node-mirror }"; fi
    last=$CHECK_LINE
  fi
}

run() {
  case $INTERVAL in '' | *[!0-9]* | 0) die "NODE_MIRROR_INTERVAL must be a number of seconds, not '$INTERVAL'" 2 ;; esac
  case $WATCH in '' | *[!0-9]* | 0) die "NODE_MIRROR_WATCH must be a number of seconds, not '$WATCH'" 2 ;; esac
  nap=$WATCH
  [ "$nap" -gt "$INTERVAL" ] && nap=$INTERVAL
  trap stop TERM INT
  last=''
  round
  waited=0
  while :; do
    sleep "$nap" &
    SLEEPER=$!
    wait "$SLEEPER"
    SLEEPER=''
    waited=$((waited + nap))
    if [ "$waited" -ge "$INTERVAL" ]; then
      round
      waited=0
    elif $ROUND_OK && ! present; then
      # k3s and RKE2 remove their certs.d when they start; another tool may remove a file
      say "files missing in $NODE_HOST_DIR on $NODE: installing again"
      round
      waited=0
    fi
  done
}

case ${1:-} in
  install) install ;;
  restore) restore ;;
  check) check; printf '%s\n' "$CHECK_LINE"; $CHECK_OK ;;
  ready)
    # ready once the first round has finished, whatever the check found (its line is printed)
    line=$(cat "$STATE_DIR/check" 2>/dev/null) || { echo "node-mirror: no check yet: the first round has not finished"; exit 1; }
    printf '%s\n' "${line#* }" ;;
  run) run ;;
  stop) stop ;;
  *) die "usage: node-mirror.sh install|restore|check|ready|run|stop" 2 ;;
esac
