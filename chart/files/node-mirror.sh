#!/bin/sh
# node-mirror.sh: writes Harbor's containerd host files into a node's containerd host directory, keeps a
# backup of what was there, and puts it back. Run by the chart's node-mirror DaemonSet (nodeMirror.enabled)
# in the harbor-core image the chart already pulls (POSIX sh; cp, mv, ln, rm, mkdir, rmdir, cmp, sed,
# grep, cat, sleep: all in the image's toybox; no awk, tr or jq).
#
# Usage: node-mirror.sh install|restore|check|ready|run
#   install  For every SOURCE/<H with ':' as '_'>.hosts.toml (the ConfigMap harbor-edge-node-mirror), make
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
#   ready    The readiness probe: prints the last check line and succeeds only when it was OK.
#   run      The DaemonSet's container: install and check, then again every INTERVAL seconds (a ConfigMap
#            or Secret change reaches the node, files another tool removed come back); on SIGTERM or
#            SIGINT it runs restore and exits. The last line is kept in the termination message.
#
# Environment:
#   NODE_MIRROR_SOURCE            directory of *.hosts.toml files (default /etc/harbor-edge/node-mirror)
#   NODE_MIRROR_CA                the CA file to write as harbor-ca.crt (default /etc/harbor-edge/ca/ca.crt);
#                                 missing or empty: no harbor-ca.crt is written
#   NODE_MIRROR_HOST_DIR          the host directory as this process sees it (default /host/certs.d)
#   NODE_MIRROR_HOST_DIR_ON_NODE  the same directory as containerd sees it, for check and messages
#                                 (default: NODE_MIRROR_HOST_DIR)
#   NODE_MIRROR_CONTAINERD_CONFIG the containerd configuration file as this process sees it (default
#                                 /host/containerd/config.toml)
#   NODE_MIRROR_CONTAINERD_CONFIG_ON_NODE  its path on the node, for messages (default: the same)
#   NODE_MIRROR_STATE_DIR         where the last check line is kept for `ready` (default /run/harbor-edge)
#   NODE_MIRROR_INTERVAL          seconds between two runs of install and check in `run` (default 60)
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

take_over() { # DIR: back up what is there, then mark DIR as managed
  if [ -d "$1" ]; then
    for f in $FILES; do keep "$1/$f" || return 1; done
    how=existed
  else
    mkdir "$1" || { warn "could not create $(node_path "$1")"; return 1; }
    how=created
  fi
  printf '# harbor-edge node-mirror manages this directory; restore puts back the *%s files.\ndirectory=%s\n' "$BAK" "$how" >"$1/$MARKER$TMP" &&
    mv -f "$1/$MARKER$TMP" "$1/$MARKER" || { rm -f "$1/$MARKER$TMP"; warn "could not mark $(node_path "$1")"; return 1; }
  say "took over $(node_path "$1") (directory $how)"
}

install() {
  [ -d "$SOURCE" ] || die "the source directory $SOURCE does not exist (ConfigMap harbor-edge-node-mirror not mounted)" 2
  [ -d "$HOST_DIR" ] || die "the host directory $HOST_DIR does not exist (hostPath not mounted)" 2
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

restore_dir() {
  d=$1
  for f in $FILES; do
    if [ "$d/$f" -ef "$d/$f$BAK" ]; then
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
  [ -d "$HOST_DIR" ] || die "the host directory $HOST_DIR does not exist (hostPath not mounted)" 2
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
  section= path2= path1= set2=false set1=false local_pull=false
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
  else path= where=; fi
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

SLEEPER=
stop() {
  [ -n "$SLEEPER" ] && kill "$SLEEPER" 2>/dev/null
  say "stopping on $NODE: restoring what was there before"
  WRITES=0 FAILED=0
  if restore; then message "node-mirror on $NODE: restored $NODE_HOST_DIR ($WRITES change(s))"; exit 0; fi
  message "node-mirror on $NODE: restore of $NODE_HOST_DIR failed"
  exit 1
}

run() {
  case $INTERVAL in '' | *[!0-9]*) die "NODE_MIRROR_INTERVAL must be a number of seconds, not '$INTERVAL'" 2 ;; esac
  trap stop TERM INT
  last=
  while :; do
    WRITES=0 FAILED=0
    installed=true
    ( install ) || { installed=false; warn "install did not complete on $NODE; trying again in ${INTERVAL}s"; }
    QUIET=1
    check
    if ! $installed; then check_result problem "the host files in $NODE_HOST_DIR are not complete (see the lines above in the log); ${CHECK_LINE#node-mirror check on "$NODE": }"; fi
    record
    # the line goes to the log when it changes, not every round
    if [ "$CHECK_LINE" != "$last" ]; then
      if $CHECK_OK; then say "${CHECK_LINE#node-mirror }"; else warn "${CHECK_LINE#node-mirror }"; fi
      last=$CHECK_LINE
    fi
    sleep "$INTERVAL" &
    SLEEPER=$!
    wait "$SLEEPER"
    SLEEPER=
  done
}

case ${1:-} in
  install) install ;;
  restore) restore ;;
  check) check; printf '%s\n' "$CHECK_LINE"; $CHECK_OK ;;
  ready)
    line=$(cat "$STATE_DIR/check" 2>/dev/null) || { echo "node-mirror: no check yet"; exit 1; }
    printf '%s\n' "${line#* }"
    case $line in ok\ *) exit 0 ;; *) exit 1 ;; esac ;;
  run) run ;;
  *) die "usage: node-mirror.sh install|restore|check|ready|run" 2 ;;
esac
