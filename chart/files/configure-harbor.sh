#!/bin/sh
# configure-harbor.sh: brings a running Harbor to what harbor-config asks for. Run by the chart's
# configuration Job after every install and upgrade, and by its CronJob periodically, in the harbor-core
# image (POSIX sh, curl, sed, tr, grep, date; no jq).
#
# It reads before it writes: on a Harbor that is already configured it sends no write request, and it is
# safe to run again after any failure, also concurrently with another run. It never prints a password or an
# Authorization header. What it cannot do now (Harbor unreachable, the internet link down) it says, in its
# log and as a Kubernetes Event on its Job, and the next periodic run does it.
#
# Environment (inputs):
#   HARBOR_URL                      Harbor core inside the cluster, e.g. http://harbor-core.harbor.svc
#                                   (the API base /api/v2.0 is appended unless the URL already ends with it)
#   HARBOR_ADMIN_PASSWORD           the admin password harbor-config asks for now (required)
#   HARBOR_ADMIN_PASSWORD_PREVIOUS  the password the chart rendered before this one; empty when unknown
#   HARBOR_ADMIN_PASSWORD_APPLIED   from the state Secret: the password this step last applied (Harbor has it)
#   HARBOR_ADMIN_PASSWORD_PENDING   from the state Secret: a password a run was applying when it stopped
#   HARBOR_PROJECTS                 projects to ensure, space-separated NAME:public or NAME:private,
#                                   e.g. "library:public spectro-images:private"
#   HARBOR_PROXY_CACHE              proxy-cache projects, one per line: PROJECT TYPE URL [CREDENTIALS_SECRET];
#                                   the project is public and pulls through a registry endpoint named PROJECT
#                                   of Harbor type TYPE at URL. With CREDENTIALS_SECRET, the files access_key
#                                   and access_secret under $HARBOR_CREDENTIALS_DIR/CREDENTIALS_SECRET/ are
#                                   the credentials Harbor uses upstream.
#   HARBOR_CREDENTIALS_DIR          where the credentials Secrets are mounted (default /credentials)
#   HARBOR_STATE_DIR                where the state Secret is mounted (default /state): its keys
#                                   credentials.PROJECT hold a SHA-256 of the credentials last applied
#   HARBOR_PROXY_RETENTION_DAYS     retention of the proxy-cache projects: 0 keeps every artifact (never
#                                   deletes what nodes hold), N keeps those pulled within N days; empty:
#                                   leave Harbor's default (retain pulled within 7 days)
#   HARBOR_PROXY_LOCAL_ON_NOT_FOUND true: serve the cached copy when the upstream answers 404
#                                   (project metadata proxy_cache_local_on_not_found); false: do not
#   HARBOR_WAIT_SECONDS             how long to wait for Harbor and to retry failures (default 600)
#   HARBOR_REQUEST_TIMEOUT          seconds for one request (default 20)
#   HARBOR_LOGIN_PAUSE              seconds to wait after a refused login before the next one (default 2):
#                                   Harbor locks a user for 1.5 s after a failed login and then refuses even
#                                   the right password
#   CONFIGURE_TRIGGER               install (after helm install/upgrade: reports success too) or periodic
#   TLS_NOT_AFTER, TLS_WARN_DAYS    expiry of the served certificate (YYYY-MM-DDTHH:MM:SSZ) and how many days
#                                   before it to warn (default 30); empty: no check
# Kubernetes (optional; without it there is no state Secret and no Event):
#   KUBE_API                        API server URL (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)
#   KUBE_TOKEN_FILE, KUBE_CA_FILE   service account token and CA (defaults: the mounted service account)
#   KUBE_NAMESPACE                  the release namespace
#   STATE_SECRET                    the Secret that remembers the applied password (keys applied, pending)
#   JOB_NAME, JOB_UID               the Job the Events are about
# Exit status: 0 configured (proxy caches Harbor cannot reach now are reported and left for a later run);
# 1 it cannot converge (one line on stderr says why); 2 bad input.

set -u

say() { printf 'configure-harbor: %s\n' "$*"; }

[ -n "${HARBOR_URL:-}" ] || { printf 'configure-harbor: ERROR: HARBOR_URL is not set\n' >&2; exit 2; }
[ -n "${HARBOR_ADMIN_PASSWORD:-}" ] || { printf 'configure-harbor: ERROR: HARBOR_ADMIN_PASSWORD is not set\n' >&2; exit 2; }
PREVIOUS=${HARBOR_ADMIN_PASSWORD_PREVIOUS:-}
APPLIED=${HARBOR_ADMIN_PASSWORD_APPLIED:-}
PENDING=${HARBOR_ADMIN_PASSWORD_PENDING:-}
PROJECTS=${HARBOR_PROJECTS:-}
PROXY_CACHE=${HARBOR_PROXY_CACHE:-}
CRED_DIR=${HARBOR_CREDENTIALS_DIR:-/credentials}
STATE_DIR=${HARBOR_STATE_DIR:-/state}
RETENTION_DAYS=${HARBOR_PROXY_RETENTION_DAYS:-}
LOCAL_ON_NOT_FOUND=${HARBOR_PROXY_LOCAL_ON_NOT_FOUND:-false}
WAIT=${HARBOR_WAIT_SECONDS:-600}
REQ_TIMEOUT=${HARBOR_REQUEST_TIMEOUT:-20}
LOGIN_PAUSE=${HARBOR_LOGIN_PAUSE:-2}
TRIGGER=${CONFIGURE_TRIGGER:-install}

case $RETENTION_DAYS in *[!0-9]*) printf 'configure-harbor: ERROR: HARBOR_PROXY_RETENTION_DAYS must be a number of days, got %s\n' "$RETENTION_DAYS" >&2; exit 2 ;; esac
case $LOCAL_ON_NOT_FOUND in true|false) ;; *) printf 'configure-harbor: ERROR: HARBOR_PROXY_LOCAL_ON_NOT_FOUND must be true or false, got %s\n' "$LOCAL_ON_NOT_FOUND" >&2; exit 2 ;; esac

base=${HARBOR_URL%/}
case $base in */api/v2.0) API=$base ;; *) API=$base/api/v2.0 ;; esac

SA=/var/run/secrets/kubernetes.io/serviceaccount
KUBE=${KUBE_API:-}
if [ -z "$KUBE" ] && [ -n "${KUBERNETES_SERVICE_HOST:-}" ]; then
  case $KUBERNETES_SERVICE_HOST in
    *:*) KUBE="https://[${KUBERNETES_SERVICE_HOST}]:${KUBERNETES_SERVICE_PORT:-443}" ;;   # IPv6
    *) KUBE="https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT:-443}" ;;
  esac
fi
KUBE_TOKEN_FILE=${KUBE_TOKEN_FILE:-$SA/token}
KUBE_CA_FILE=${KUBE_CA_FILE:-$SA/ca.crt}
KUBE_NS=${KUBE_NAMESPACE:-}
STATE=${STATE_SECRET:-}
[ -n "$KUBE" ] && [ -n "$KUBE_NS" ] && [ -r "$KUBE_TOKEN_FILE" ] || KUBE=

WORK=${TMPDIR:-/tmp}/configure-harbor.$$
umask 077
mkdir -p "$WORK" || { printf 'configure-harbor: ERROR: cannot create a work directory under %s\n' "${TMPDIR:-/tmp}" >&2; exit 2; }
trap 'rm -rf "$WORK"' EXIT
trap 'rm -rf "$WORK"; exit 1' INT TERM
BODY=$WORK/body
HEADERS=$WORK/headers
CURLERR=$WORK/curl.err
KBODY=$WORK/kbody

now() { date +%s; }
DEADLINE=$(( $(now) + WAIT ))
REQUESTS=0
WRITES=0
WARNINGS=
FAILURES=

# --- quoting -------------------------------------------------------------------------------------------
# a value inside a curl config file string ("..."): backslash and double quote escaped
cfg_quote() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
# a JSON string literal: backslash, double quote and control characters escaped
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' | tr -d '\r\n')"; }

# --- Kubernetes: the state Secret and Events (best effort unless said otherwise) -------------------------
# kube METHOD PATH BODY CONTENT_TYPE: sets KSTATUS
kube() {
  KSTATUS=000
  [ -n "$KUBE" ] || return 0
  KSTATUS=$(
    {
      printf 'globoff\n'   # an IPv6 API address in brackets is no URL pattern
      printf 'url = "%s"\n' "$(cfg_quote "$KUBE$2")"
      printf 'request = "%s"\n' "$1"
      printf 'header = "Authorization: Bearer %s"\n' "$(tr -d '\r\n' <"$KUBE_TOKEN_FILE")"
      printf 'header = "Content-Type: %s"\n' "$4"
      printf 'data-binary = "%s"\n' "$(cfg_quote "$3")"
      case $KUBE in https:*) printf 'cacert = "%s"\n' "$(cfg_quote "$KUBE_CA_FILE")" ;; esac
    } | curl --silent --config - --max-time 10 --output "$KBODY" --write-out '%{http_code}' 2>/dev/null
  )
  [ -n "$KSTATUS" ] || KSTATUS=000
}

# event TYPE REASON MESSAGE: a Kubernetes Event on this run's Job (kubectl describe job shows it)
event() {
  [ -n "$KUBE" ] || return 0
  e_ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  e_job=${JOB_NAME:-}
  e_obj="\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"namespace\":$(json_str "$KUBE_NS"),\"name\":$(json_str "$e_job")"
  [ -n "${JOB_UID:-}" ] && e_obj="$e_obj,\"uid\":$(json_str "$JOB_UID")"
  kube POST "/api/v1/namespaces/$KUBE_NS/events" \
    "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"generateName\":\"harbor-edge-configure.\"},\"involvedObject\":{$e_obj},\"type\":\"$1\",\"reason\":\"$2\",\"message\":$(json_str "$3"),\"source\":{\"component\":\"harbor-edge-configure\"},\"firstTimestamp\":\"$e_ts\",\"lastTimestamp\":\"$e_ts\",\"count\":1}" \
    application/json
  case $KSTATUS in 2??) ;; *) say "could not record the Event $2 (HTTP $KSTATUS)" ;; esac
}

die() {
  printf 'configure-harbor: ERROR: %s\n' "$1" >&2
  event Warning ConfigureFailed "$1"
  exit "${2:-1}"
}

warn() { say "WARNING: $*"; WARNINGS="$WARNINGS$*
"; }

# state_key KEY VALUE: one more key of the state Secret
state_key() {
  [ -n "$KUBE" ] && [ -n "$STATE" ] || return 1
  kube PATCH "/api/v1/namespaces/$KUBE_NS/secrets/$STATE" "{\"stringData\":{$(json_str "$1"):$(json_str "$2")}}" application/merge-patch+json
  case $KSTATUS in 2??) return 0 ;; *) return 1 ;; esac
}

# state_write APPLIED PENDING: what this step applied, and what it is applying now ("" for none)
state_write() {
  [ -n "$KUBE" ] && [ -n "$STATE" ] || return 1
  kube PATCH "/api/v1/namespaces/$KUBE_NS/secrets/$STATE" \
    "{\"stringData\":{\"applied\":$(json_str "$1"),\"pending\":$(json_str "$2")}}" application/merge-patch+json
  case $KSTATUS in 2??) return 0 ;; *) return 1 ;; esac
}

# --- HTTP to Harbor -------------------------------------------------------------------------------------
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
# the Harbor error message of the body, shortened, for a log line
harbor_message() { flat | sed -n 's/.*"message"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | cut -c1-200; }

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
# refuses a wrong Basic credential; elsewhere Harbor treats it as anonymous. After a refusal Harbor locks
# the user briefly and refuses even the right password, so the next login waits LOGIN_PAUSE first.
REFUSED=0
accepted() {
  [ "$REFUSED" = 1 ] && sleep "$LOGIN_PAUSE"
  request GET /users/current "$1"
  case $STATUS in
    200) REFUSED=0; ADMIN_ID=$(int_value user_id); [ -n "$ADMIN_ID" ] || ADMIN_ID=1; return 0 ;;
    401|403) REFUSED=1; return 1 ;;
    *) die "GET /users/current answered HTTP $STATUS" ;;
  esac
}

# remember that Harbor has the desired password (no write when the state already says so)
record_applied() {
  if [ "$APPLIED" != "$HARBOR_ADMIN_PASSWORD" ] || [ -n "$PENDING" ]; then
    if state_write "$HARBOR_ADMIN_PASSWORD" ""; then APPLIED=$HARBOR_ADMIN_PASSWORD PENDING=
    elif [ -n "$KUBE" ] && [ -n "$STATE" ]; then warn "could not record the applied admin password in Secret $STATE (HTTP $KSTATUS)"
    fi
  fi
}

ensure_password() {
  if accepted "$HARBOR_ADMIN_PASSWORD"; then
    say "admin password is current"
    record_applied
    return 0
  fi
  # the passwords Harbor may have, most likely first; each distinct and not the desired one
  p_current=
  p_tried=0
  for p_candidate in "$APPLIED" "$PENDING" "$PREVIOUS"; do
    [ -n "$p_candidate" ] && [ "$p_candidate" != "$HARBOR_ADMIN_PASSWORD" ] || continue
    case $p_tried in *"|$p_candidate|"*) continue ;; esac
    p_tried="$p_tried|$p_candidate|"
    if accepted "$p_candidate"; then p_current=$p_candidate; break; fi
  done
  if [ -z "$p_current" ]; then
    # a concurrent run may have rotated it, or a failed login elsewhere locked the user: look once more
    if accepted "$HARBOR_ADMIN_PASSWORD"; then say "admin password is current"; record_applied; return 0; fi
    if [ "$p_tried" = 0 ]; then
      die "Harbor rejects the admin password and no previous password is known to rotate from; set harbor-config.auth.password (or the existingSecret) to the password Harbor has, or reset it in the web UI"
    fi
    die "Harbor rejects the desired admin password and every password applied before; set harbor-config.auth.password (or the existingSecret) to the password Harbor has, or reset it in the web UI"
  fi
  # remember what is about to be applied first, so a run that stops half-way leaves it known
  if [ -n "$KUBE" ] && [ -n "$STATE" ]; then
    state_write "$p_current" "$HARBOR_ADMIN_PASSWORD" \
      || die "could not record the rotation in Secret $STATE (HTTP $KSTATUS); the admin password was not changed"
    APPLIED=$p_current PENDING=$HARBOR_ADMIN_PASSWORD
  fi
  body="{\"old_password\":$(json_str "$p_current"),\"new_password\":$(json_str "$HARBOR_ADMIN_PASSWORD")}"
  request PUT "/users/$ADMIN_ID/password" "$p_current" "$body"
  case $STATUS in
    200) ;;
    400) die "Harbor refused the new admin password (identical to the old one or against its password policy: 8-128 characters with upper, lower and a digit)" ;;
    401|403) # an earlier attempt whose answer was lost, or a concurrent run, may have rotated it already
      REFUSED=1
      accepted "$HARBOR_ADMIN_PASSWORD" && { say "admin password rotated"; record_applied; return 0; }
      die "Harbor refused the rotation: the previous admin password is not correct" ;;
    *) die "PUT /users/$ADMIN_ID/password answered HTTP $STATUS" ;;
  esac
  accepted "$HARBOR_ADMIN_PASSWORD" || die "the admin password was changed but Harbor does not accept it"
  say "admin password rotated"
  record_applied
}

# --- 3. projects ----------------------------------------------------------------------------------------
# ensure_project NAME PUBLIC(true|false) [REGISTRY_ID]: 0 present or created; 1 Harbor refused to create it
# (PROJECT_ERROR says why). Sets PROJECT_ID.
ensure_project() {
  p_name=$1 p_public=$2 p_registry=${3:-} p_tries=${p_tries:-0}
  request GET "/projects/$p_name" "$HARBOR_ADMIN_PASSWORD" "" "X-Is-Resource-Name: true"
  case $STATUS in
    200)
      PROJECT_ID=$(int_value project_id)
      if [ -n "$p_registry" ] && [ "$(int_value registry_id)" != "$p_registry" ]; then
        PROJECT_ERROR="a project of that name exists that is not a proxy cache of registry endpoint $p_registry; rename or delete it"
        return 1
      fi
      p_have=$(metadata_value public)
      p_have=${p_have:-false}   # a project without the key is private, Harbor's default
      p_set=
      [ "$p_have" = "$p_public" ] || p_set="\"public\":\"$p_public\""
      if [ -n "$p_registry" ]; then
        p_lonf=$(metadata_value proxy_cache_local_on_not_found)
        [ "${p_lonf:-false}" = "$LOCAL_ON_NOT_FOUND" ] || p_set="${p_set:+$p_set,}\"proxy_cache_local_on_not_found\":\"$LOCAL_ON_NOT_FOUND\""
      fi
      if [ -z "$p_set" ]; then
        say "project $p_name: present, public=$p_public"
        return 0
      fi
      request PUT "/projects/$p_name" "$HARBOR_ADMIN_PASSWORD" "{\"metadata\":{$p_set}}" "X-Is-Resource-Name: true"
      case $STATUS in
        200) say "project $p_name: set $(printf '%s' "$p_set" | tr -d '"')" ;;
        *) die "could not update project $p_name ($p_set): HTTP $STATUS $(harbor_message)" ;;
      esac
      ;;
    404|403)
      p_meta="\"public\":\"$p_public\""
      [ -n "$p_registry" ] && [ "$LOCAL_ON_NOT_FOUND" = true ] && p_meta="$p_meta,\"proxy_cache_local_on_not_found\":\"true\""
      p_body="{\"project_name\":$(json_str "$p_name"),\"metadata\":{$p_meta}"
      [ -n "$p_registry" ] && p_body="$p_body,\"registry_id\":$p_registry"
      p_body="$p_body}"
      request POST /projects "$HARBOR_ADMIN_PASSWORD" "$p_body"
      case $STATUS in
        201) say "project $p_name: created, public=$p_public"
          PROJECT_ID=$(sed -n 's/^[Ll]ocation:.*\/\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$HEADERS" | head -n 1)
          if [ -z "$PROJECT_ID" ]; then
            request GET "/projects/$p_name" "$HARBOR_ADMIN_PASSWORD" "" "X-Is-Resource-Name: true"
            PROJECT_ID=$(int_value project_id)
          fi ;;
        409) # created meanwhile, or by a retried request whose answer was lost: look again, once
          [ "$p_tries" -lt 1 ] || die "project $p_name: Harbor says it exists but does not return it"
          p_tries=1; ensure_project "$p_name" "$p_public" "$p_registry"; p_r=$?; p_tries=0; return $p_r ;;
        400|403|412) PROJECT_ERROR="Harbor refused the project: HTTP $STATUS $(harbor_message)"; return 1 ;;
        *) die "could not create project $p_name: HTTP $STATUS $(harbor_message)" ;;
      esac
      ;;
    *) die "GET /projects/$p_name answered HTTP $STATUS" ;;
  esac
  return 0
}

ensure_projects() {
  for p_spec in $PROJECTS; do
    case $p_spec in
      *:public) ensure_project "${p_spec%:public}" true || die "could not create project ${p_spec%:public}: $PROJECT_ERROR" ;;
      *:private) ensure_project "${p_spec%:private}" false || die "could not create project ${p_spec%:private}: $PROJECT_ERROR" ;;
      *) die "HARBOR_PROJECTS: expected NAME:public or NAME:private, got '$p_spec'" 2 ;;
    esac
  done
}

# --- 4. proxy-cache projects ----------------------------------------------------------------------------
# find_registry NAME: sets REG_ID, REG_TYPE and REG_KEY (its access_key) of the endpoint called NAME, or nothing
find_registry() {
  request GET "/registries?q=name%3D$1&page_size=100" "$HARBOR_ADMIN_PASSWORD"
  [ "$STATUS" = 200 ] || die "GET /registries answered HTTP $STATUS"
  # one registry per line (its nested credential object on the same line), then the line whose name matches
  f_line=$(flat | sed 's/"credential"[[:space:]]*:[[:space:]]*{\([^}]*\)}/"credential":[\1]/g' | tr '}' '\n' \
    | grep "\"name\"[[:space:]]*:[[:space:]]*\"$(printf '%s' "$1" | sed 's/\./\\./g')\"" | head -n 1)
  REG_ID=$(printf '%s' "$f_line" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p')
  REG_KEY=$(printf '%s' "$f_line" | sed -n 's/.*"access_key"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
  # "type" occurs in the credential too (basic): the endpoint's type is the one outside the brackets
  REG_TYPE=$(printf '%s' "$f_line" | sed 's/"credential":\[[^]]*\]//' | sed -n 's/.*"type"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
}

# ensure_retention PROJECT_NAME PROJECT_ID: the proxy project's retention policy is the configured one
ensure_retention() {
  t_name=$1 t_pid=$2
  [ -n "$RETENTION_DAYS" ] || return 0
  request GET "/projects/$t_name" "$HARBOR_ADMIN_PASSWORD" "" "X-Is-Resource-Name: true"
  [ "$STATUS" = 200 ] || die "GET /projects/$t_name answered HTTP $STATUS"
  t_rid=$(metadata_value retention_id)
  if [ "$RETENTION_DAYS" = 0 ]; then
    t_template=always t_params='{}' t_what="keep every artifact"
  else
    t_template=nDaysSinceLastPull t_params="{\"nDaysSinceLastPull\":$RETENTION_DAYS}" t_what="keep artifacts pulled within $RETENTION_DAYS days"
  fi
  if [ -n "$t_rid" ]; then
    request GET "/retentions/$t_rid" "$HARBOR_ADMIN_PASSWORD"
    [ "$STATUS" = 200 ] || die "GET /retentions/$t_rid answered HTTP $STATUS"
    # exactly one rule, of the wanted template (and days), not disabled
    t_rules=$(flat | grep -o '"template"[[:space:]]*:' | wc -l | tr -d ' ')
    if [ "$t_rules" = 1 ] && flat | grep -q "\"template\"[[:space:]]*:[[:space:]]*\"$t_template\"" \
      && ! flat | grep -q '"disabled"[[:space:]]*:[[:space:]]*true' \
      && { [ "$t_template" = always ] || flat | grep -q "\"nDaysSinceLastPull\"[[:space:]]*:[[:space:]]*${RETENTION_DAYS}[^0-9]"; }; then
      return 0
    fi
  fi
  t_policy="{\"algorithm\":\"or\",\"rules\":[{\"priority\":1,\"action\":\"retain\",\"template\":\"$t_template\",\"params\":$t_params,\"tag_selectors\":[{\"kind\":\"doublestar\",\"decoration\":\"matches\",\"pattern\":\"**\"}],\"scope_selectors\":{\"repository\":[{\"kind\":\"doublestar\",\"decoration\":\"repoMatches\",\"pattern\":\"**\"}]}}],\"trigger\":{\"kind\":\"Schedule\",\"settings\":{\"cron\":\"0 0 0 * * *\"}},\"scope\":{\"level\":\"project\",\"ref\":$t_pid}}"
  if [ -n "$t_rid" ]; then
    request PUT "/retentions/$t_rid" "$HARBOR_ADMIN_PASSWORD" "$t_policy"
  else
    request POST /retentions "$HARBOR_ADMIN_PASSWORD" "$t_policy"
  fi
  case $STATUS in
    200|201) say "project $t_name: retention set to $t_what" ;;
    *) die "could not set the retention of project $t_name: HTTP $STATUS $(harbor_message)" ;;
  esac
}

# credentials SECRET: sets C_KEY and C_SECRET from the mounted Secret, or returns 1
credentials() {
  C_KEY='' C_SECRET=''
  [ -r "$CRED_DIR/$1/access_key" ] && [ -r "$CRED_DIR/$1/access_secret" ] || return 1
  C_KEY=$(cat "$CRED_DIR/$1/access_key") C_SECRET=$(cat "$CRED_DIR/$1/access_secret")
  # Harbor never shows a secret back: a digest of what was applied tells whether it changed
  # (none where sha256sum is missing: then only a changed access_key is noticed)
  C_HASH=$(printf '%s\n%s' "$C_KEY" "$C_SECRET" | sha256sum 2>/dev/null | cut -c1-64)
  [ -n "$C_KEY" ]
}

# remember_credentials PROJECT: the digest of the credentials just applied, in the state Secret
remember_credentials() {
  [ -n "$C_HASH" ] || return 0
  state_key "credentials.$1" "$C_HASH" || warn "could not record the credentials applied to proxy cache $1 (HTTP $KSTATUS); the next run applies them again"
}

# ensure_proxy_cache PROJECT TYPE URL [CREDENTIALS_SECRET]
ensure_proxy_cache() {
  c_name=$1 c_type=$2 c_url=$3 c_secret=${4:-}
  c_cred=
  if [ -n "$c_secret" ]; then
    if ! credentials "$c_secret"; then
      FAILURES="${FAILURES}proxy cache $c_name: Secret $c_secret with keys access_key and access_secret not found; "
      say "proxy cache $c_name: Secret $c_secret with keys access_key and access_secret not found; skipped"
      return 0
    fi
    c_cred=",\"credential\":{\"type\":\"basic\",\"access_key\":$(json_str "$C_KEY"),\"access_secret\":$(json_str "$C_SECRET")}"
  fi
  find_registry "$c_name"
  c_id=$REG_ID
  if [ -n "$c_id" ] && [ -n "$REG_TYPE" ] && [ "$REG_TYPE" != "$c_type" ]; then
    # an endpoint of another type (an older release made quay.io of type quay, which Harbor refuses for
    # proxy caches): replace it while no project uses it; Harbor answers 412 when one does
    request DELETE "/registries/$c_id" "$HARBOR_ADMIN_PASSWORD"
    case $STATUS in
      200|404) say "proxy cache $c_name: removed its registry endpoint of type $REG_TYPE"; c_id= ;;
      *) FAILURES="${FAILURES}proxy cache $c_name: its registry endpoint has type $REG_TYPE, not $c_type, and Harbor will not remove it (HTTP $STATUS $(harbor_message)); "
        say "proxy cache $c_name: its registry endpoint has type $REG_TYPE, not $c_type; left as it is"
        return 0 ;;
    esac
  elif [ -n "$c_id" ] && [ -n "$c_secret" ] && { [ "$REG_KEY" != "$C_KEY" ] || { [ -n "$C_HASH" ] && [ "$(cat "$STATE_DIR/credentials.$c_name" 2>/dev/null)" != "$C_HASH" ]; }; }; then
    request PUT "/registries/$c_id" "$HARBOR_ADMIN_PASSWORD" "{\"credential_type\":\"basic\",\"access_key\":$(json_str "$C_KEY"),\"access_secret\":$(json_str "$C_SECRET")}"
    case $STATUS in
      200) say "proxy cache $c_name: credentials updated"; remember_credentials "$c_name" ;;
      400) say "proxy cache $c_name: Harbor cannot reach $c_url now to check the new credentials (offline?); a later run updates them"
        PENDING_PROXY="$PENDING_PROXY $c_name" ;;
      *) die "could not update the registry endpoint $c_name: HTTP $STATUS $(harbor_message)" ;;
    esac
  fi
  if [ -z "$c_id" ]; then
    request POST /registries "$HARBOR_ADMIN_PASSWORD" "{\"name\":$(json_str "$c_name"),\"type\":\"$c_type\",\"url\":$(json_str "$c_url"),\"insecure\":false,\"description\":\"proxy cache created by harbor-edge-native-config\"$c_cred}"
    case $STATUS in
      201) find_registry "$c_name"; c_id=$REG_ID
        [ -z "$c_secret" ] || remember_credentials "$c_name" ;;
      409) find_registry "$c_name"; c_id=$REG_ID ;;
      400)
        say "proxy cache $c_name: Harbor cannot reach $c_url now (offline?): $(harbor_message); a later run creates it"
        PENDING_PROXY="$PENDING_PROXY $c_name"
        return 0 ;;
      *) die "could not create the registry endpoint $c_name: HTTP $STATUS $(harbor_message)" ;;
    esac
    [ -n "$c_id" ] || die "the registry endpoint $c_name was created but cannot be found"
  fi
  if ! ensure_project "$c_name" true "$c_id"; then
    # Harbor refused the project for good (e.g. a registry type it does not permit for proxy caches), or a
    # project of that name is no proxy cache: remove the endpoint made for it (by this run, or by one whose
    # answer was lost), so nothing is left that no run will use; Harbor keeps it (412) if a project uses it
    request DELETE "/registries/$c_id" "$HARBOR_ADMIN_PASSWORD"
    case $STATUS in 200|404) ;; *) say "proxy cache $c_name: could not remove the unused registry endpoint $c_id (HTTP $STATUS)" ;; esac
    FAILURES="${FAILURES}proxy cache $c_name: $PROJECT_ERROR; "
    say "proxy cache $c_name: $PROJECT_ERROR"
    return 0
  fi
  [ -n "${PROJECT_ID:-}" ] || die "project $c_name: cannot find its id"
  ensure_retention "$c_name" "$PROJECT_ID"
}

ensure_proxy_caches() {
  PENDING_PROXY=
  printf '%s\n' "$PROXY_CACHE" >"$WORK/proxy"
  while read -r x_name x_type x_url x_secret x_rest; do
    [ -n "$x_name" ] || continue
    ensure_proxy_cache "$x_name" "$x_type" "$x_url" "$x_secret" </dev/null
  done <"$WORK/proxy"
  if [ -n "$PENDING_PROXY" ]; then
    warn "proxy caches not created yet, Harbor cannot reach their registries now:$PENDING_PROXY; the periodic run creates them once the link is back"
  fi
}

# --- 5. the served certificate ---------------------------------------------------------------------------
check_certificate() {
  [ -n "${TLS_NOT_AFTER:-}" ] || return 0
  k_end=$(date -u -d "$(printf '%s' "$TLS_NOT_AFTER" | sed 's/T/ /; s/Z$//')" +%s 2>/dev/null) || { say "cannot read the certificate expiry '$TLS_NOT_AFTER'"; return 0; }
  k_days=$(( (k_end - $(now)) / 86400 ))
  if [ "$k_days" -lt "${TLS_WARN_DAYS:-30}" ]; then
    warn "the TLS certificate Harbor serves expires on $TLS_NOT_AFTER ($k_days days); run helm upgrade to re-issue it from the same CA"
  fi
}

# every line of HARBOR_PROXY_CACHE well-formed, before anything is written
check_input() {
  printf '%s\n' "$PROXY_CACHE" >"$WORK/proxy"
  while read -r x_name x_type x_url x_secret x_rest; do
    [ -n "$x_name" ] || continue
    if [ -z "$x_type" ] || [ -z "$x_url" ] || [ -n "$x_rest" ]; then
      die "HARBOR_PROXY_CACHE: expected PROJECT TYPE URL [CREDENTIALS_SECRET], got '$x_name $x_type $x_url $x_secret $x_rest'" 2
    fi
  done <"$WORK/proxy"
  for p_spec in $PROJECTS; do
    case $p_spec in *:public|*:private) ;; *) die "HARBOR_PROJECTS: expected NAME:public or NAME:private, got '$p_spec'" 2 ;; esac
  done
}

# --- run ------------------------------------------------------------------------------------------------
check_input
started=$(now)
wait_healthy
healthy=$(now)
REQUESTS=0 WRITES=0
ensure_password
ensure_projects
ensure_proxy_caches
check_certificate
summary="$REQUESTS requests ($WRITES writes) in $(( $(now) - healthy ))s after Harbor was healthy, $(( healthy - started ))s waiting for it"
if [ -n "$FAILURES" ]; then
  die "not configured: ${FAILURES%; }"
fi
say "configured: $summary"
if [ -n "$WARNINGS" ]; then
  event Warning ConfigureIncomplete "$(printf '%s' "$WARNINGS" | tr '\n' ' ')"
elif [ "$TRIGGER" = install ]; then
  event Normal Configured "Harbor configured: $summary"
fi
exit 0
