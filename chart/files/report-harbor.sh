#!/bin/sh
# report-harbor.sh: is the cluster ready for an outage? Run by the chart's report Job (after every install
# and upgrade) and CronJob in the harbor-core image (POSIX sh, curl, sed, tr, grep, sort; no jq).
#
# 1. Lists the images of every pod that is not finished (phase other than Succeeded and Failed), except in
#    namespaces labelled stylus.io/imageswap=disable (they keep pulling from their own registries), and the
#    platforms (os/architecture) of the nodes, through the Kubernetes API with the pod's ServiceAccount.
# 2. Asks Harbor's API whether each image is held in the proxy-cache project of its registry (for a
#    multi-platform index: held with a child for every node platform it offers), or in spectro-images in
#    Palette's layout when the nodes try that first.
# 3. Has Harbor fetch each missing one: GET of the manifest through the proxy project, of the child manifests
#    for the node platforms and of their blobs. Harbor caches in the background (a manifest about 20 s after
#    its blobs are local, an index once its children are), so it then polls the API until each is held or
#    REPORT_CONFIRM_SECONDS have passed: confirmed, never assumed.
# 4. Writes "N of M running images are held by Harbor; missing: ..." to the ConfigMap harbor-edge-status
#    (keys summary, held, total, allHeld, missing, platforms, updated; no secret) and as an Event on it.
#
# A rerun where everything is held costs one Harbor API request per image. It never prints a password, a
# token or an Authorization header (they reach curl on its standard input).
#
# Environment (inputs):
#   HARBOR_URL               Harbor core inside the cluster, e.g. http://harbor-core.harbor.svc (required)
#   HARBOR_ADMIN_PASSWORD    the admin password (required; Basic auth on /api/v2.0 and /v2, as Harbor allows)
#   HARBOR_PROXY_REGISTRIES  one line per proxied registry: "HOST PROJECT URL TYPE [CREDENTIALS_SECRET]"
#                            (the chart's harbor-edge.proxyRegistries); an image of another registry is
#                            reported "not proxied"
#   HARBOR_SPECTRO_PROJECT   spectro-images when nodes try it first (nodeMirror.spectroImages): an image found
#                            there in Palette's layout (spectro-images/<host>/<path>) is held too; empty: not looked at
#   POD_NAMESPACE            namespace of the ConfigMap and the Event (required)
#   STATUS_CONFIGMAP         the ConfigMap to write (default harbor-edge-status; it must exist: the chart makes it)
#   KUBE_API                 default https://kubernetes.default.svc
#   KUBE_TOKEN_FILE          default /var/run/secrets/kubernetes.io/serviceaccount/token
#   KUBE_CA_FILE             default /var/run/secrets/kubernetes.io/serviceaccount/ca.crt (used for https)
#   REPORT_SKIP_LABEL        default stylus.io/imageswap=disable
#   REPORT_CONFIRM_SECONDS   how long to wait for Harbor to hold what it was asked to fetch (default 600)
#   REPORT_POLL_SECONDS      between two looks (default 10)
#   REPORT_PULL_BLOBS        1 (default): fetch the blobs too, so Harbor holds the image in seconds rather
#                            than after its own 200 s wait for them; 0: manifests only
#   REPORT_REQUEST_TIMEOUT   seconds for one request (default 300: a blob can be large)
#   REPORT_WAIT_SECONDS      how long to wait for Harbor to be healthy first (default 900: it may be starting)
# Exit status: 0 report written (whatever it says); 1 no report could be made (written as such when the
# ConfigMap can be reached); 2 bad input.

set -u

say() { printf 'report-harbor: %s\n' "$*"; }
die() { printf 'report-harbor: ERROR: %s\n' "$*" >&2; exit "${2:-1}"; }

[ -n "${HARBOR_URL:-}" ] || die "HARBOR_URL is not set" 2
[ -n "${HARBOR_ADMIN_PASSWORD:-}" ] || die "HARBOR_ADMIN_PASSWORD is not set" 2
[ -n "${POD_NAMESPACE:-}" ] || die "POD_NAMESPACE is not set" 2
REGISTRIES=${HARBOR_PROXY_REGISTRIES:-}
SPECTRO=${HARBOR_SPECTRO_PROJECT:-}
CM=${STATUS_CONFIGMAP:-harbor-edge-status}
KUBE=${KUBE_API:-https://kubernetes.default.svc}
KUBE=${KUBE%/}
TOKEN_FILE=${KUBE_TOKEN_FILE:-/var/run/secrets/kubernetes.io/serviceaccount/token}
CA_FILE=${KUBE_CA_FILE:-/var/run/secrets/kubernetes.io/serviceaccount/ca.crt}
SKIP_LABEL=${REPORT_SKIP_LABEL:-stylus.io/imageswap=disable}
CONFIRM=${REPORT_CONFIRM_SECONDS:-600}
POLL=${REPORT_POLL_SECONDS:-10}
PULL_BLOBS=${REPORT_PULL_BLOBS:-1}
REQ_TIMEOUT=${REPORT_REQUEST_TIMEOUT:-300}
WAIT=${REPORT_WAIT_SECONDS:-900}
case $CONFIRM$POLL$REQ_TIMEOUT$WAIT in *[!0-9]*) die "REPORT_CONFIRM_SECONDS, REPORT_POLL_SECONDS, REPORT_REQUEST_TIMEOUT and REPORT_WAIT_SECONDS are whole seconds" 2 ;; esac
HARBOR=${HARBOR_URL%/}
HARBOR=${HARBOR%/api/v2.0}
[ -r "$TOKEN_FILE" ] || die "cannot read the ServiceAccount token $TOKEN_FILE" 2

WORK=${TMPDIR:-/tmp}/report-harbor.$$
umask 077
mkdir -p "$WORK" || die "cannot create a work directory under ${TMPDIR:-/tmp}" 2
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
BODY=$WORK/body
HEADERS=$WORK/headers
CURLERR=$WORK/curl.err
now() { date +%s; }
HARBOR_REQUESTS=0
KUBE_REQUESTS=0

# --- quoting -------------------------------------------------------------------------------------------
cfg_quote() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
# the lines of standard input as one JSON string literal (newlines as \n)
json_lines() {
  j_out=""
  while IFS= read -r j_line || [ -n "$j_line" ]; do
    j_line=$(printf '%s' "$j_line" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\r\t')
    if [ -z "$j_out" ]; then j_out=$j_line; else j_out="$j_out\\n$j_line"; fi
  done
  printf '"%s"' "$j_out"
}
json_str() { printf '%s' "$1" | json_lines; }

# --- HTTP ---------------------------------------------------------------------------------------------
# call harbor|kube METHOD URL [OUTPUT] [DATA_FILE CONTENT_TYPE] [HEADER...]
# Sets STATUS (000: no connection); the body in OUTPUT (default $BODY), the headers in $HEADERS.
call() {
  c_to=$1 c_method=$2 c_url=$3 c_out=${4:-$BODY} c_data=${5:-} c_type=${6:-}
  shift 3; for c_i in 1 2 3; do [ $# -gt 0 ] && shift; done
  : >"$HEADERS"
  [ "$c_out" = /dev/null ] || : >"$c_out"
  STATUS=$(
    {
      printf 'url = "%s"\n' "$(cfg_quote "$c_url")"
      printf 'request = "%s"\n' "$c_method"
      if [ "$c_to" = kube ]; then
        printf 'header = "Authorization: Bearer %s"\n' "$(tr -d '\r\n' <"$TOKEN_FILE" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
        case $KUBE in https:*) [ -r "$CA_FILE" ] && printf 'cacert = "%s"\n' "$(cfg_quote "$CA_FILE")" ;; esac
        printf 'header = "Accept: application/json"\n'
      else
        printf 'user = "%s"\n' "$(cfg_quote "admin:$HARBOR_ADMIN_PASSWORD")"
      fi
      if [ -n "$c_data" ]; then
        printf 'header = "Content-Type: %s"\n' "$c_type"
        printf 'data-binary = "@%s"\n' "$(cfg_quote "$c_data")"
      fi
      for c_h in "$@"; do printf 'header = "%s"\n' "$(cfg_quote "$c_h")"; done
    } | curl --silent --show-error --config - --max-time "$REQ_TIMEOUT" --connect-timeout 10 \
      --output "$c_out" --dump-header "$HEADERS" --write-out '%{http_code}' 2>"$CURLERR"
  )
  [ -n "$STATUS" ] || STATUS=000
  if [ "$c_to" = kube ]; then KUBE_REQUESTS=$((KUBE_REQUESTS + 1)); else HARBOR_REQUESTS=$((HARBOR_REQUESTS + 1)); fi
}
curl_error() { tr -d '\n' <"$CURLERR" | sed 's/^curl: //' | cut -c1-200; }

# --- reading JSON without jq ----------------------------------------------------------------------------
# The body on one line (ended by a line break) with the whitespace between tokens removed (values used here
# contain no space).
flat() { tr -d ' \n\r\t' <"${1:-$BODY}"; echo; }
# standard input with a line break put before each match of the sed pattern $1 (POSIX sed has no \n in
# replacements: a control character is put there, then turned into a line break)
SEP=$(printf '\001')
split_at() { sed "s/$1/$SEP&/g" | tr '\001' '\n'; }
# the string value of the first "KEY":"..." in standard input
first_str() { split_at "\"$1\":\"" | sed -n "s/^\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1; }
# standard input's sequence of objects {..},{..} one a line (their nested objects stay on their line)
one_object_a_line() { sed "s/},{/}$SEP{/g" | tr '\001' '\n'; }

# --- the report's outputs --------------------------------------------------------------------------------
CM_UID=""
# write_status SUMMARY HELD TOTAL ALLHELD MISSING_FILE PLATFORMS: merge-patch of the ConfigMap's data
write_status() {
  w_updated=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  {
    printf '{"data":{"summary":%s,' "$(json_str "$1")"
    printf '"held":"%s","total":"%s","allHeld":"%s",' "$2" "$3" "$4"
    printf '"missing":%s,' "$(json_lines <"$5")"
    printf '"platforms":%s,"updated":"%s"}}' "$(json_str "$6")" "$w_updated"
  } >"$WORK/patch.json"
  call kube PATCH "$KUBE/api/v1/namespaces/$POD_NAMESPACE/configmaps/$CM" "$BODY" "$WORK/patch.json" application/merge-patch+json
  case $STATUS in
    200) CM_UID=$(flat | first_str uid) ;;
    404) die "the ConfigMap $POD_NAMESPACE/$CM does not exist (the chart creates it); nothing written" ;;
    *) die "could not write the ConfigMap $POD_NAMESPACE/$CM: HTTP $STATUS $(curl_error)" ;;
  esac
}

# post_event TYPE REASON MESSAGE: an Event on the ConfigMap (message cut at 1000 characters)
post_event() {
  e_now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  e_msg=$3
  [ "${#e_msg}" -le 1000 ] || e_msg="$(printf '%s' "$e_msg" | cut -c1-990) [...]"
  {
    printf '{"apiVersion":"v1","kind":"Event","metadata":{"generateName":"%s.","namespace":"%s"},' "$CM" "$POD_NAMESPACE"
    printf '"involvedObject":{"apiVersion":"v1","kind":"ConfigMap","name":"%s","namespace":"%s","uid":"%s"},' "$CM" "$POD_NAMESPACE" "$CM_UID"
    printf '"type":"%s","reason":"%s","message":%s,' "$1" "$2" "$(json_str "$e_msg")"
    printf '"source":{"component":"harbor-edge-report"},"reportingComponent":"harbor-edge-report","reportingInstance":"%s",' "${HOSTNAME:-report}"
    printf '"firstTimestamp":"%s","lastTimestamp":"%s","count":1}' "$e_now" "$e_now"
  } >"$WORK/event.json"
  call kube POST "$KUBE/api/v1/namespaces/$POD_NAMESPACE/events" "$BODY" "$WORK/event.json" application/json
  case $STATUS in
    201|200) ;;
    *) say "warning: could not post the Event: HTTP $STATUS $(curl_error)" ;;
  esac
}

# fail MESSAGE: no report could be made; say so where people look, then exit 1
fail() {
  : >"$WORK/none"
  write_status "no report: $1" 0 0 false "$WORK/none" ""
  post_event Warning ReportFailed "no report: $1"
  die "$1"
}

# --- 1. what the cluster runs ----------------------------------------------------------------------------
kube_list() {
  call kube GET "$KUBE$1"
  [ "$STATUS" = 200 ] || die "GET $1 from the Kubernetes API answered HTTP $STATUS $(curl_error)"
}

# node platforms, one os/architecture a line
kube_list /api/v1/nodes
flat | split_at '"nodeInfo":{' | sed 1d | while IFS= read -r n_line; do
  n_os=$(printf '%s' "$n_line" | first_str operatingSystem)
  n_arch=$(printf '%s' "$n_line" | first_str architecture)
  [ -n "$n_os" ] && [ -n "$n_arch" ] && printf '%s/%s\n' "$n_os" "$n_arch"
done | sort -u >"$WORK/platforms"
[ -s "$WORK/platforms" ] || printf 'linux/amd64\n' >"$WORK/platforms"
PLATFORMS=$(tr '\n' ' ' <"$WORK/platforms" | sed 's/ $//')

# namespaces whose pods are left alone
s_enc=$(printf '%s' "$SKIP_LABEL" | sed -e 's|/|%2F|g' -e 's|=|%3D|g')
kube_list "/api/v1/namespaces?labelSelector=$s_enc"
SKIPPED=$(flat | split_at '{"metadata":{' | sed 1d | while IFS= read -r s_line; do printf '%s\n' "$s_line" | first_str name; done | tr '\n' ' ' | sed 's/ $//')

selector="status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed"
for s_ns in $SKIPPED; do selector="$selector%2Cmetadata.namespace%21%3D$s_ns"; done
kube_list "/api/v1/pods?fieldSelector=$selector"
# The images of the pods' containers, init and ephemeral containers. A container status also has an
# "image" (followed by its "imageID"): those are dropped, the spec says what the pod asks for.
flat | sed 's/"image":"[^"]*","imageID"/"imageID"/g' | split_at '"image":"' | sed -n 's/^"image":"\([^"]*\)".*/\1/p' | sort -u >"$WORK/refs"

# normalise REF: sets N_HOST N_PATH N_TAG N_DIGEST N_NAME (docker.io/library/nginx:1.25, nginx -> same)
normalise() {
  n_r=$1 N_DIGEST="" N_TAG=""
  case $n_r in *@*) N_DIGEST=${n_r#*@}; n_r=${n_r%%@*} ;; esac
  n_last=${n_r##*/}
  case $n_last in *:*) N_TAG=${n_last##*:}; n_r=${n_r%:*} ;; esac
  n_first=${n_r%%/*}
  if [ "$n_first" = "$n_r" ]; then N_HOST=docker.io N_PATH=$n_r
  else
    case $n_first in
      *.*|*:*|localhost) N_HOST=$n_first N_PATH=${n_r#*/} ;;
      *) N_HOST=docker.io N_PATH=$n_r ;;
    esac
  fi
  case $N_HOST in index.docker.io|registry-1.docker.io) N_HOST=docker.io ;; esac
  if [ "$N_HOST" = docker.io ]; then case $N_PATH in */*) ;; *) N_PATH=library/$N_PATH ;; esac; fi
  [ -n "$N_TAG$N_DIGEST" ] || N_TAG=latest
  N_NAME=$N_HOST/$N_PATH
  [ -n "$N_TAG" ] && N_NAME=$N_NAME:$N_TAG
  [ -n "$N_DIGEST" ] && N_NAME=$N_NAME@$N_DIGEST
  return 0
}

project_of() {
  printf '%s\n' "$REGISTRIES" | while read -r p_host p_project p_rest; do
    [ "$p_host" = "$1" ] && { printf '%s\n' "$p_project"; break; }
  done
}

# images: one line each "NAME PROJECT PATH REFERENCE", project "-" when the registry is not proxied
: >"$WORK/images.unsorted"
while IFS= read -r i_ref; do
  [ -n "$i_ref" ] || continue
  normalise "$i_ref"
  i_project=$(project_of "$N_HOST")
  printf '%s %s %s %s\n' "$N_NAME" "${i_project:--}" "$N_PATH" "${N_DIGEST:-$N_TAG}" >>"$WORK/images.unsorted"
done <"$WORK/refs"
sort -u "$WORK/images.unsorted" >"$WORK/images"
TOTAL=$(grep -c . "$WORK/images")
say "$TOTAL images in pods (namespaces skipped: ${SKIPPED:-none}); node platforms: $PLATFORMS"

# --- 2. what Harbor holds --------------------------------------------------------------------------------
# Harbor may still be starting (the first run follows the install): wait for it, bounded.
w_deadline=$(( $(now) + WAIT ))
w_delay=1
while :; do
  call harbor GET "$HARBOR/api/v2.0/health"
  if [ "$STATUS" = 200 ] && flat | grep -q '"status":"healthy"' && ! flat | grep -q '"unhealthy"'; then break; fi
  [ "$STATUS" = 000 ] && w_last="no connection: $(curl_error)" || w_last="HTTP $STATUS, $(flat | cut -c1-120)"
  [ "$(now)" -lt "$w_deadline" ] || fail "Harbor at $HARBOR is not healthy after ${WAIT}s ($w_last)"
  sleep "$w_delay"
  w_delay=$((w_delay * 2)); [ "$w_delay" -gt 10 ] && w_delay=10
done

# the proxy-cache projects the images need, looked at once each
: >"$WORK/absent"
for a_project in $(sed -n 's/^[^ ]* \([^ -][^ ]*\) .*/\1/p' "$WORK/images" | sort -u); do
  call harbor GET "$HARBOR/api/v2.0/projects/$a_project" "$BODY" "" "" "X-Is-Resource-Name: true" "Accept: application/json"
  case $STATUS in
    200) ;;
    401) fail "Harbor refuses the admin credential (HTTP 401)" ;;
    *) printf '%s\n' "$a_project" >>"$WORK/absent" ;;
  esac
done

MANIFEST_TYPES="application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"

# the os/architecture of each child of the artifact in $BODY ("references" of Harbor's Artifact), one a line
artifact_platforms() {
  flat | sed 's/\["[^]]*"\]/[]/g' | sed -n 's/.*"references":\[\([^]]*\)\].*/\1/p' | one_object_a_line \
    | while IFS= read -r a_line; do
        a_os=$(printf '%s' "$a_line" | first_str os)
        a_arch=$(printf '%s' "$a_line" | first_str architecture)
        [ -n "$a_arch" ] && printf '%s/%s\n' "$a_os" "$a_arch"
      done
}

# held PROJECT PATH REFERENCE WANTED_FILE: 0 when Harbor holds the artifact, and, for an index, a child for
# every platform in WANTED_FILE. Sets HELD_WHY when not.
held() {
  h_repo=$(printf '%s' "$2" | sed 's|/|%252F|g')   # Harbor: a repository name is URL-encoded twice
  call harbor GET "$HARBOR/api/v2.0/projects/$1/repositories/$h_repo/artifacts/$3?with_tag=false" "$BODY" "" "" "Accept: application/json"
  case $STATUS in
    200) ;;
    404) HELD_WHY="not in Harbor"; return 1 ;;
    401) fail "Harbor refuses the admin credential (HTTP 401)" ;;
    000) fail "Harbor at $HARBOR does not answer: $(curl_error)" ;;
    *) HELD_WHY="Harbor answered HTTP $STATUS"; return 1 ;;
  esac
  artifact_platforms >"$WORK/have"
  [ -s "$WORK/have" ] || return 0          # a single-platform image
  h_lacking=$(grep -vxF -f "$WORK/have" "$4" | tr '\n' ' ' | sed 's/ $//')
  [ -z "$h_lacking" ] && return 0
  HELD_WHY="held without $h_lacking"
  return 1
}

# manifest_get PROJECT PATH REFERENCE OUT: GET through the proxy project; sets M_TYPE
manifest_get() {
  call harbor GET "$HARBOR/v2/$1/$2/manifests/$3" "$4" "" "" "Accept: $MANIFEST_TYPES"
  M_TYPE=$(tr -d '\r' <"$HEADERS" | sed -n 's/^[Cc]ontent-[Tt]ype:[[:space:]]*\([^;[:space:]]*\).*/\1/p' | tail -n 1)
}

# fetch PROJECT PATH REFERENCE WANTED_FILE: has Harbor pull the image through its proxy project. Narrows
# WANTED_FILE to the node platforms the index offers. Sets FETCH_WHY and returns 1 when Harbor cannot.
fetch() {
  manifest_get "$1" "$2" "$3" "$WORK/manifest"
  case $STATUS in
    200) ;;
    404) FETCH_WHY="Harbor cannot fetch it: not found upstream, or the upstream is unreachable"; return 1 ;;
    000) fail "Harbor at $HARBOR does not answer: $(curl_error)" ;;
    *) FETCH_WHY="Harbor cannot fetch it: HTTP $STATUS"; return 1 ;;
  esac
  case $M_TYPE in
    *index*|*manifest.list*)
      flat "$WORK/manifest" | sed 's/\["[^]]*"\]/[]/g' | sed -n 's/.*"manifests":\[\(.*\)\].*/\1/p' | one_object_a_line >"$WORK/children"
      : >"$WORK/offered"
      while IFS= read -r f_line; do
        f_digest=$(printf '%s' "$f_line" | first_str digest)
        f_platform="$(printf '%s' "$f_line" | first_str os)/$(printf '%s' "$f_line" | first_str architecture)"
        grep -qxF "$f_platform" "$4" || continue
        printf '%s\n' "$f_platform" >>"$WORK/offered"
        manifest_get "$1" "$2" "$f_digest" "$WORK/child"
        [ "$STATUS" = 200 ] || { FETCH_WHY="Harbor cannot fetch the $f_platform manifest: HTTP $STATUS"; return 1; }
        fetch_blobs "$1" "$2" "$WORK/child" || return 1
      done <"$WORK/children"
      sort -u "$WORK/offered" >"$4"
      if [ ! -s "$4" ]; then FETCH_WHY="the index offers none of the node platforms ($PLATFORMS)"; return 1; fi
      case $3 in sha256:*) FETCH_WHY_INDEX_DIGEST=1 ;; esac
      ;;
    *) fetch_blobs "$1" "$2" "$WORK/manifest" || return 1 ;;
  esac
  return 0
}

fetch_blobs() {
  [ "$PULL_BLOBS" = 1 ] || return 0
  for b_digest in $(flat "$3" | split_at '"digest":"' | sed -n 's/^"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' | sort -u); do
    call harbor GET "$HARBOR/v2/$1/$2/blobs/$b_digest" /dev/null
    case $STATUS in
      200) ;;
      302|307) ;;   # held already, in a storage that redirects downloads (S3): not followed
      *) FETCH_WHY="Harbor cannot fetch blob $b_digest: HTTP $STATUS"; return 1 ;;
    esac
  done
}

# in_spectro NAME: 0 when the image is in the spectro-images project in Palette's layout
# (spectro-images/<host>/<path>, a port joined with "-"), which nodes try before the proxy project
in_spectro() {
  [ -n "$SPECTRO" ] || return 1
  normalise "$1"
  cp "$WORK/platforms" "$WORK/wanted.spectro"
  held "$SPECTRO" "$(printf '%s' "$N_HOST" | tr ':' '-')/$N_PATH" "${N_DIGEST:-$N_TAG}" "$WORK/wanted.spectro"
}

: >"$WORK/held"
: >"$WORK/missing"
: >"$WORK/pending"
i=0
while read -r i_name i_project i_path i_ref; do
  i=$((i + 1))
  if [ "$i_project" = - ]; then
    if in_spectro "$i_name"; then printf '%s\n' "$i_name" >>"$WORK/held"; continue; fi
    normalise "$i_name"
    printf '%s (registry %s not proxied by Harbor)\n' "$i_name" "$N_HOST" >>"$WORK/missing"
    continue
  fi
  if grep -qxF "$i_project" "$WORK/absent"; then
    if in_spectro "$i_name"; then printf '%s\n' "$i_name" >>"$WORK/held"; continue; fi
    printf '%s (Harbor has no project %s yet: the configuration Job creates it once it can reach the registry)\n' "$i_name" "$i_project" >>"$WORK/missing"
    continue
  fi
  cp "$WORK/platforms" "$WORK/wanted.$i"
  if held "$i_project" "$i_path" "$i_ref" "$WORK/wanted.$i" || in_spectro "$i_name"; then
    printf '%s\n' "$i_name" >>"$WORK/held"
    continue
  fi
  FETCH_WHY_INDEX_DIGEST=""
  if fetch "$i_project" "$i_path" "$i_ref" "$WORK/wanted.$i"; then
    say "$i_name: asked Harbor to fetch it for $(tr '\n' ' ' <"$WORK/wanted.$i" | sed 's/ $//')"
    printf '%s %s %s %s %s\n' "$i" "$i_name" "$i_project" "$i_path" "$i_ref" >>"$WORK/pending"
    [ -n "$FETCH_WHY_INDEX_DIGEST" ] && : >"$WORK/indexdigest.$i"
  else
    printf '%s (%s)\n' "$i_name" "$FETCH_WHY" >>"$WORK/missing"
  fi
done <"$WORK/images"

# --- 3. confirm what Harbor was asked to fetch ------------------------------------------------------------
deadline=$(( $(now) + CONFIRM ))
while [ -s "$WORK/pending" ]; do
  : >"$WORK/pending.next"
  while read -r p_i p_name p_project p_path p_ref; do
    if held "$p_project" "$p_path" "$p_ref" "$WORK/wanted.$p_i"; then
      say "$p_name: held"
      printf '%s\n' "$p_name" >>"$WORK/held"
    else
      printf '%s %s %s %s %s\n' "$p_i" "$p_name" "$p_project" "$p_path" "$p_ref" >>"$WORK/pending.next"
      printf '%s\n' "$HELD_WHY" >"$WORK/why.$p_i"
    fi
  done <"$WORK/pending"
  mv "$WORK/pending.next" "$WORK/pending"
  [ -s "$WORK/pending" ] || break
  if [ "$(now)" -ge "$deadline" ]; then
    while read -r p_i p_name p_project p_path p_ref; do
      p_why="fetched, but Harbor does not hold it after ${CONFIRM}s: $(cat "$WORK/why.$p_i")"
      [ -e "$WORK/indexdigest.$p_i" ] && \
        p_why="$p_why; Harbor 2.15.1 stores an index pulled by digest under another digest: refer to it by tag"
      printf '%s (%s)\n' "$p_name" "$p_why" >>"$WORK/missing"
    done <"$WORK/pending"
    break
  fi
  sleep "$POLL"
done

# --- 4. the result ---------------------------------------------------------------------------------------
HELD=$(grep -c . "$WORK/held")
sort "$WORK/missing" >"$WORK/missing.sorted"
SUMMARY="$HELD of $TOTAL running images are held by Harbor"
if [ -s "$WORK/missing.sorted" ]; then
  SUMMARY="$SUMMARY; missing: $(sed 's/$/,/' "$WORK/missing.sorted" | tr '\n' ' ' | sed 's/, $//')"
  ALL=false TYPE=Warning REASON=ImagesMissing
else
  ALL=true TYPE=Normal REASON=ImagesHeld
fi
write_status "$SUMMARY" "$HELD" "$TOTAL" "$ALL" "$WORK/missing.sorted" "$PLATFORMS"
post_event "$TYPE" "$REASON" "$SUMMARY"
say "$SUMMARY"
say "$HARBOR_REQUESTS requests to Harbor, $KUBE_REQUESTS to the Kubernetes API"
