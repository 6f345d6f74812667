#!/bin/sh
# configure-harbor.sh: brings a running Harbor to what harbor-config asks for. Run by the chart's
# post-install/post-upgrade Job in the harbor-core image (POSIX sh, curl, sed, tr, grep; no jq).
#
# It reads before it writes: on a Harbor that is already configured it sends no write request, and it is
# safe to run again after any failure. It never prints a password or an Authorization header.
#
# Environment (inputs):
#   HARBOR_URL                      Harbor core inside the cluster, e.g. http://harbor-core.harbor.svc
#                                   (the API base /api/v2.0 is appended unless the URL already ends with it)
#   HARBOR_ADMIN_PASSWORD           the admin password harbor-config asks for (required)
#   HARBOR_ADMIN_PASSWORD_PREVIOUS  the password applied before, to rotate from; empty when unknown
#   HARBOR_PROJECTS                 projects to ensure, space-separated NAME:public or NAME:private,
#                                   e.g. "library:public spectro-images:private"
#   HARBOR_PROXY_CACHE              upstream registries to offer as proxy-cache projects, space-separated, from
#                                   docker.io gcr.io quay.io ghcr.io registry.k8s.io; empty: none
#   HARBOR_WAIT_SECONDS             how long to wait for Harbor and to retry failures (default 600)
#   HARBOR_REQUEST_TIMEOUT          seconds for one request (default 20)
# Exit status: 0 configured; 1 it cannot converge (one line on stderr says why); 2 bad input.

set -u

say() { printf 'configure-harbor: %s\n' "$*"; }
die() { printf 'configure-harbor: ERROR: %s\n' "$*" >&2; exit "${2:-1}"; }

[ -n "${HARBOR_URL:-}" ] || die "HARBOR_URL is not set" 2
[ -n "${HARBOR_ADMIN_PASSWORD:-}" ] || die "HARBOR_ADMIN_PASSWORD is not set" 2
PREVIOUS=${HARBOR_ADMIN_PASSWORD_PREVIOUS:-}
PROJECTS=${HARBOR_PROJECTS:-}
PROXY_CACHE=${HARBOR_PROXY_CACHE:-}
WAIT=${HARBOR_WAIT_SECONDS:-600}
REQ_TIMEOUT=${HARBOR_REQUEST_TIMEOUT:-20}

base=${HARBOR_URL%/}
case $base in */api/v2.0) API=$base ;; *) API=$base/api/v2.0 ;; esac

WORK=${TMPDIR:-/tmp}/configure-harbor.$$
umask 077
mkdir -p "$WORK" || die "cannot create a work directory under ${TMPDIR:-/tmp}" 2
trap 'rm -rf "$WORK"' EXIT INT TERM
BODY=$WORK/body
HEADERS=$WORK/headers
CURLERR=$WORK/curl.err

now() { date +%s; }
DEADLINE=$(( $(now) + WAIT ))
REQUESTS=0
WRITES=0

# --- quoting -------------------------------------------------------------------------------------------
# a value inside a curl config file string ("..."): backslash and double quote escaped
cfg_quote() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
# a JSON string literal: backslash, double quote and control characters escaped
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' | tr -d '\r\n')"; }

# --- HTTP ---------------------------------------------------------------------------------------------
# http METHOD PATH PASSWORD(empty: anonymous) [BODY] [HEADER...]
# Sets STATUS (000 when no connection) and leaves the response body in $BODY, the headers in $HEADERS.
# Credentials and body reach curl through its standard input (-K -), never through its arguments.
http() {
  h_method=$1 h_path=$2 h_pw=$3 h_body=${4:-}
  shift 3; [ $# -gt 0 ] && shift
  REQUESTS=$((REQUESTS + 1))
  case $h_method in GET|HEAD) ;; *) WRITES=$((WRITES + 1)) ;; esac
  : >"$BODY"; : >"$HEADERS"
  STATUS=$(
    {
      printf 'url = "%s"\n' "$(cfg_quote "$API$h_path")"
      printf 'request = "%s"\n' "$h_method"
      printf 'header = "Accept: application/json"\n'
      if [ -n "$h_pw" ]; then printf 'user = "%s"\n' "$(cfg_quote "admin:$h_pw")"; fi
      if [ -n "$h_body" ]; then
        printf 'header = "Content-Type: application/json"\n'
        printf 'data-binary = "%s"\n' "$(cfg_quote "$h_body")"
      fi
      for h_header in "$@"; do printf 'header = "%s"\n' "$(cfg_quote "$h_header")"; done
    } | curl --silent --show-error --config - --max-time "$REQ_TIMEOUT" --connect-timeout 5 \
      --output "$BODY" --dump-header "$HEADERS" --write-out '%{http_code}' 2>"$CURLERR"
  )
  [ -n "$STATUS" ] || STATUS=000
}

# A request that may meet a Harbor still starting or briefly failing: connection errors and 5xx are
# retried with backoff until the deadline. Other statuses are the caller's to judge.
request() {
  r_delay=1
  while :; do
    http "$@"
    case $STATUS in
      000|5??|429) ;;
      *) return 0 ;;
    esac
    if [ "$(now)" -ge "$DEADLINE" ]; then
      die "Harbor did not answer $1 $2 within ${WAIT}s (last status $STATUS)"
    fi
    sleep "$r_delay"
    r_delay=$((r_delay * 2)); [ "$r_delay" -gt 5 ] && r_delay=5
  done
}

# --- reading JSON without jq ----------------------------------------------------------------------------
# The body on one line, whitespace outside strings is irrelevant to the patterns below.
flat() { tr -d '\n\r' <"$BODY"; }
# string or boolean value of a key inside the body's "metadata" object (ProjectMetadata has flat values)
metadata_value() {
  flat | sed -n 's/.*"metadata"[[:space:]]*:[[:space:]]*{\([^}]*\)}.*/\1/p' \
    | sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\{0,1\}\([A-Za-z0-9_.-]*\)"\{0,1\}.*/\1/p'
}
# integer value of a key that occurs once in the body
int_value() { flat | sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1; }

# --- 1. wait until Harbor is healthy ---------------------------------------------------------------------
wait_healthy() {
  w_delay=1
  w_last="no answer"
  while :; do
    http GET /health ""
    if [ "$STATUS" = 200 ]; then
      w_unhealthy=$(flat | tr '{' '\n' | grep '"unhealthy"' | sed -n 's/.*"name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | tr '\n' ' ')
      if flat | grep -q '"status"[[:space:]]*:[[:space:]]*"healthy"' && ! flat | grep -q '"unhealthy"'; then
        say "Harbor is healthy"
        return 0
      fi
      w_last="unhealthy: ${w_unhealthy:-overall status not healthy}"
    elif [ "$STATUS" = 000 ]; then
      w_last="no connection ($(tr -d '\n' <"$CURLERR" | sed 's/^curl: //'))"
    else
      w_last="HTTP $STATUS"
    fi
    if [ "$(now)" -ge "$DEADLINE" ]; then
      die "Harbor at $API did not become healthy within ${WAIT}s; last: $w_last"
    fi
    sleep "$w_delay"
    w_delay=$((w_delay * 2)); [ "$w_delay" -gt 5 ] && w_delay=5
  done
}

# --- 2. the admin password ------------------------------------------------------------------------------
# accepted PASSWORD: 0 when Harbor accepts admin:PASSWORD. Checked on /users/current, the one endpoint that
# refuses a wrong Basic credential; elsewhere Harbor treats it as anonymous.
accepted() {
  request GET /users/current "$1"
  case $STATUS in
    200) ADMIN_ID=$(int_value user_id); [ -n "$ADMIN_ID" ] || ADMIN_ID=1; return 0 ;;
    401|403) return 1 ;;
    *) die "GET /users/current answered HTTP $STATUS" ;;
  esac
}

ensure_password() {
  if accepted "$HARBOR_ADMIN_PASSWORD"; then
    say "admin password is current"
    return 0
  fi
  if [ -z "$PREVIOUS" ] || [ "$PREVIOUS" = "$HARBOR_ADMIN_PASSWORD" ]; then
    die "Harbor rejects the admin password and no previous password is known to rotate from; set harbor-config.auth.password to the password Harbor has, or reset it in the web UI"
  fi
  if ! accepted "$PREVIOUS"; then
    die "Harbor rejects both the desired and the previous admin password; set harbor-config.auth.password to the password Harbor has, or reset it in the web UI"
  fi
  body="{\"old_password\":$(json_str "$PREVIOUS"),\"new_password\":$(json_str "$HARBOR_ADMIN_PASSWORD")}"
  request PUT "/users/$ADMIN_ID/password" "$PREVIOUS" "$body"
  case $STATUS in
    200) ;;
    400) die "Harbor refused the new admin password (identical to the old one or against its password policy: 8-128 characters with upper, lower and a digit)" ;;
    401|403) # an earlier attempt whose answer was lost may have rotated it already
      accepted "$HARBOR_ADMIN_PASSWORD" && { say "admin password rotated"; return 0; }
      die "Harbor refused the rotation: the previous admin password is not correct" ;;
    *) die "PUT /users/$ADMIN_ID/password answered HTTP $STATUS" ;;
  esac
  accepted "$HARBOR_ADMIN_PASSWORD" || die "the admin password was changed but Harbor does not accept it"
  say "admin password rotated"
}

# --- 3. projects ----------------------------------------------------------------------------------------
# ensure_project NAME PUBLIC(true|false) [REGISTRY_ID]
ensure_project() {
  p_name=$1 p_public=$2 p_registry=${3:-} p_tries=${p_tries:-0}
  request GET "/projects/$p_name" "$HARBOR_ADMIN_PASSWORD" "" "X-Is-Resource-Name: true"
  case $STATUS in
    200)
      p_have=$(metadata_value public)
      p_have=${p_have:-false}   # a project without the key is private, Harbor's default
      if [ "$p_have" = "$p_public" ]; then
        say "project $p_name: present, public=$p_public"
        return 0
      fi
      request PUT "/projects/$p_name" "$HARBOR_ADMIN_PASSWORD" "{\"metadata\":{\"public\":\"$p_public\"}}" "X-Is-Resource-Name: true"
      case $STATUS in
        200) say "project $p_name: public set to $p_public" ;;
        *) die "could not set project $p_name public=$p_public: HTTP $STATUS" ;;
      esac
      ;;
    404|403)
      p_body="{\"project_name\":$(json_str "$p_name"),\"metadata\":{\"public\":\"$p_public\"}"
      [ -n "$p_registry" ] && p_body="$p_body,\"registry_id\":$p_registry"
      p_body="$p_body}"
      request POST /projects "$HARBOR_ADMIN_PASSWORD" "$p_body"
      case $STATUS in
        201) say "project $p_name: created, public=$p_public" ;;
        409) # created meanwhile, or by a retried request whose answer was lost: look again, once
          [ "$p_tries" -lt 1 ] || die "project $p_name: Harbor says it exists but does not return it"
          p_tries=1; ensure_project "$p_name" "$p_public" "$p_registry"; p_tries=0 ;;
        *) die "could not create project $p_name: HTTP $STATUS $(flat | tr -d '"' | cut -c1-200)" ;;
      esac
      ;;
    *) die "GET /projects/$p_name answered HTTP $STATUS" ;;
  esac
}

ensure_projects() {
  for p_spec in $PROJECTS; do
    case $p_spec in
      *:public) ensure_project "${p_spec%:public}" true ;;
      *:private) ensure_project "${p_spec%:private}" false ;;
      *) die "HARBOR_PROJECTS: expected NAME:public or NAME:private, got '$p_spec'" 2 ;;
    esac
  done
}

# --- 4. proxy-cache projects ----------------------------------------------------------------------------
# find_registry NAME: sets REG_ID to the id of the registry endpoint called NAME, or to nothing
find_registry() {
  request GET "/registries?q=name%3D$1&page_size=100" "$HARBOR_ADMIN_PASSWORD"
  [ "$STATUS" = 200 ] || die "GET /registries answered HTTP $STATUS"
  # one registry per line (their nested credential objects removed), then the line whose name matches
  REG_ID=$(flat | sed 's/"credential"[[:space:]]*:[[:space:]]*{[^}]*}//g' | tr '}' '\n' \
    | grep "\"name\"[[:space:]]*:[[:space:]]*\"$(printf '%s' "$1" | sed 's/\./\\./g')\"" \
    | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1)
}

ensure_proxy_cache() {
  c_host=$1
  case $c_host in
    docker.io) c_type=docker-hub c_url=https://hub.docker.com ;;
    quay.io) c_type=quay c_url=https://quay.io ;;
    ghcr.io) c_type=github-ghcr c_url=https://ghcr.io ;;
    gcr.io) c_type=docker-registry c_url=https://gcr.io ;;
    registry.k8s.io) c_type=docker-registry c_url=https://registry.k8s.io ;;
    *) die "HARBOR_PROXY_CACHE: unknown registry '$c_host' (docker.io gcr.io quay.io ghcr.io registry.k8s.io)" 2 ;;
  esac
  find_registry "$c_host"
  c_id=$REG_ID
  if [ -z "$c_id" ]; then
    request POST /registries "$HARBOR_ADMIN_PASSWORD" "{\"name\":$(json_str "$c_host"),\"type\":\"$c_type\",\"url\":\"$c_url\",\"insecure\":false,\"description\":\"proxy cache created by harbor-edge-native-config\"}"
    case $STATUS in
      201|409) find_registry "$c_host"; c_id=$REG_ID ;;
      400)
        say "proxy cache $c_host: Harbor cannot reach $c_url now (offline?); skipped, a later run creates it"
        return 0 ;;
      *) die "could not create the registry endpoint $c_host: HTTP $STATUS" ;;
    esac
    [ -n "$c_id" ] || die "the registry endpoint $c_host was created but cannot be found"
  fi
  ensure_project "$c_host" true "$c_id"
}

# --- run ------------------------------------------------------------------------------------------------
started=$(now)
wait_healthy
healthy=$(now)
REQUESTS=0 WRITES=0
ensure_password
ensure_projects
for c in $PROXY_CACHE; do ensure_proxy_cache "$c"; done
say "configured: $REQUESTS requests ($WRITES writes) in $(( $(now) - healthy ))s after Harbor was healthy, $(( healthy - started ))s waiting for it"
