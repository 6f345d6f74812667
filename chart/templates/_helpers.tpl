{{/*
Shared helpers of harbor-edge-native-config. Our own objects have fixed names: the upstream chart is
pointed at them statically (existingSecret / existingClaim / secretName in the harbor: block). The tables this
chart shares with the TypeScript (object names, built-in registries, guarded pairs, S3 overrides) are in
files/*.json, which npm run generate writes from generator/src; the templates only read them.
*/}}

{{- define "harbor-edge.config" -}}
{{- index .Values "harbor-config" | toJson -}}
{{- end -}}

{{/*
The fixed name of one of our objects. list: the root context, the key of NAMES in generator/src/common/names.ts
(pvc.<component> for a claim), read from files/names.json. An unknown key fails the render.
*/}}
{{- define "harbor-edge.name" -}}
{{- $key := index . 1 -}}
{{- $node := (index . 0).Files.Get "files/names.json" | fromJson -}}
{{- range $seg := splitList "." $key }}{{ if kindIs "map" $node }}{{ $node = index $node $seg }}{{ else }}{{ $node = dict }}{{ end }}{{ end -}}
{{- if not (kindIs "string" $node) }}{{ fail (printf "no object name %q in files/names.json (generator/src/common/names.ts NAMES)" $key) }}{{ end -}}
{{- $node -}}
{{- end -}}

{{- define "harbor-edge.labels" -}}
app.kubernetes.io/name: {{ include "harbor-edge.name" (list . "chart") }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: harbor
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/*
Annotation that keeps an object when the release is uninstalled (storage.keepOnUninstall), so a reinstall
over the kept volumes finds the password, keys and certificates that the data was written with.
*/}}
{{- define "harbor-edge.keepAnnotation" -}}
{{- if (index .Values "harbor-config").storage.keepOnUninstall }}
helm.sh/resource-policy: keep
{{- end }}
{{- end -}}

{{/*
A value computed once per render and shared by every template that asks for the same id (a generated
password goes into harbor-edge-admin and registry-info alike). dict: ctx, id, value. A string comes back as
it is, anything else as JSON.
*/}}
{{- define "harbor-edge.memo" -}}
{{- if not (hasKey .ctx.Values "__harborEdgeMemo") }}{{- $_ := set .ctx.Values "__harborEdgeMemo" (dict) }}{{- end }}
{{- $store := index .ctx.Values "__harborEdgeMemo" }}
{{- if not (hasKey $store .id) }}{{- $_ := set $store .id .value }}{{- end }}
{{- $v := index $store .id -}}
{{- if kindIs "string" $v }}{{ $v }}{{ else }}{{ toJson $v }}{{ end -}}
{{- end -}}

{{/*
Keep-or-generate: the given value, else what the Secret of that name already holds in the cluster (so an
upgrade or a reinstall over kept objects changes nothing), else the generated value.
dict: ctx, secret, key, given, generated. Under `helm template` there is no cluster to look in: pass the file
`harbor-edge secrets` writes to make such renders repeatable.
*/}}
{{- define "harbor-edge.keep" -}}
{{- if .given -}}
{{- .given -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- .generated -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A random password that meets Harbor's policy: 24 characters with upper, lower and digits. */}}
{{- define "harbor-edge.generatePassword" -}}
{{- printf "%s%s%s%s" (randAlpha 1 | upper) (randAlpha 1 | lower) (randNumeric 1) (randAlphaNum 21) -}}
{{- end -}}

{{/* Harbor's password policy, enforced on a given password (Helm's schema validator has no lookaheads). */}}
{{- define "harbor-edge.checkPassword" -}}
{{- $pw := .pw -}}
{{- if not (and (ge (len $pw) 8) (le (len $pw) 128) (regexMatch "[A-Z]" $pw) (regexMatch "[a-z]" $pw) (regexMatch "[0-9]" $pw)) -}}
{{- fail (printf "%s: expected 8-128 characters with at least one upper-case letter, one lower-case letter and one digit (Harbor's password policy); the given password does not meet it" .field) -}}
{{- end -}}
{{- end -}}

{{/* The admin password our Secrets carry (empty when auth.existingSecret holds it). */}}
{{- define "harbor-edge.adminPassword" -}}
{{- $c := index .Values "harbor-config" -}}
{{- if $c.auth.password -}}
{{- include "harbor-edge.checkPassword" (dict "pw" $c.auth.password "field" "harbor-config.auth.password") -}}
{{- $c.auth.password -}}
{{- else if not $c.auth.existingSecret -}}
{{- $secrets := .Values.secrets | default dict -}}
{{- if $secrets.adminPassword }}{{- include "harbor-edge.checkPassword" (dict "pw" $secrets.adminPassword "field" "secrets.adminPassword") -}}{{- end -}}
{{- $value := include "harbor-edge.keep" (dict "ctx" . "secret" (include "harbor-edge.name" (list . "adminSecret")) "key" "HARBOR_ADMIN_PASSWORD" "given" $secrets.adminPassword "generated" (include "harbor-edge.generatePassword" .)) -}}
{{- include "harbor-edge.memo" (dict "ctx" . "id" "adminPassword" "value" $value) -}}
{{- end -}}
{{- end -}}

{{/*
A kept random string of n characters. dict: ctx, secret, key, given, n, id, and optionally immutable
(the secrets-file field name) for values that must never change once in use: a different given value fails
the render instead of locking core out of PostgreSQL or making stored credentials unreadable.
*/}}
{{- define "harbor-edge.keptRandom" -}}
{{- if and .immutable .given -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) (ne (index $existing.data .key | b64dec) .given) -}}
{{- fail (printf "%s differs from the value this installation already uses (Secret %s, key %s); changing it would %s. Fix: remove %s from the secrets file to keep the one in use, or write that value into it." .immutable .secret .key .consequence .immutable) -}}
{{- end -}}
{{- end -}}
{{- $value := include "harbor-edge.keep" (dict "ctx" .ctx "secret" .secret "key" .key "given" .given "generated" (randAlphaNum (int .n))) -}}
{{- include "harbor-edge.memo" (dict "ctx" .ctx "id" .id "value" $value) -}}
{{- end -}}

{{/* Storage size: an integer is GB and becomes Gi; a Kubernetes quantity stays as it is. */}}
{{- define "harbor-edge.size" -}}
{{- if kindIs "float64" . -}}
{{- printf "%dGi" (int64 .) -}}
{{- else -}}
{{- /* helm 3.18 hands numbers over as json.Number, a string kind */ -}}
{{- $s := toString . -}}
{{- if regexMatch "^[0-9]+$" $s }}{{ $s }}Gi{{ else }}{{ $s }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
Subject alternative names of a generated certificate: cluster.hostname, the extra SANs, the host of every
address nodes reach Harbor at (harbor-edge.nodeMirror.addresses), the in-cluster names of our Service and of
upstream's nginx Service, and localhost; IPs: cluster.vip, extra IP SANs, node addresses that are IPs,
127.0.0.1. Returns JSON {dns: [...], ips: [...]}. Mirrors generatedSans() in generator/src/spec/sans.ts
(test/chart/sans.test.ts compares them for random specs).
*/}}
{{- define "harbor-edge.sans" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $ns := .Release.Namespace -}}
{{- $dns := list -}}
{{- $ips := list -}}
{{- /* a host name of digits and dots is an IPv4 address: an IP SAN, where TLS clients look for an IP host */ -}}
{{- if regexMatch "^[0-9.]+$" $c.cluster.hostname }}{{- $ips = append $ips $c.cluster.hostname }}{{- else }}{{- $dns = append $dns $c.cluster.hostname }}{{- end }}
{{- if $c.cluster.vip }}{{- $ips = append $ips $c.cluster.vip }}{{- end }}
{{- $names := $c.auth.certs.extraSANs | default list -}}
{{- /* the host of every address nodes reach Harbor at: containerd checks it against the SANs and, on a
mismatch, quietly tries the next host (the upstream) */ -}}
{{- range $a := include "harbor-edge.nodeMirror.addresses" . | fromJsonArray }}
{{- if hasPrefix "[" $a }}{{- $names = append $names (regexReplaceAll "^\\[([^\\]]+)\\](:[0-9]+)?$" $a "${1}") }}
{{- else if gt (len (splitList ":" $a)) 2 }}{{- $names = append $names $a }}
{{- else }}{{- $names = append $names (regexReplaceAll ":[0-9]+$" $a "") }}{{- end }}
{{- end }}
{{- range $names }}
{{- if regexMatch "^[0-9.]+$|:" . }}{{- $ips = append $ips . }}{{- else }}{{- $dns = append $dns . }}{{- end }}
{{- end }}
{{- range $svc := list (include "harbor-edge.name" (list . "service")) (include "harbor-edge.name" (list . "upstreamNginxService")) }}
{{- $dns = append $dns $svc }}
{{- $dns = append $dns (printf "%s.%s" $svc $ns) }}
{{- $dns = append $dns (printf "%s.%s.svc" $svc $ns) }}
{{- $dns = append $dns (printf "%s.%s.svc.cluster.local" $svc $ns) }}
{{- end }}
{{- $dns = append $dns "localhost" }}
{{- $ips = append $ips "127.0.0.1" }}
{{- dict "dns" ($dns | uniq) "ips" ($ips | uniq) | toJson -}}
{{- end -}}

{{- define "harbor-edge.sansText" -}}
{{- $s := include "harbor-edge.sans" . | fromJson -}}
{{- concat $s.dns $s.ips | join "," -}}
{{- end -}}

{{/*
The pairs the guard compares: each harbor: key that follows harbor-config but that Helm cannot change at
install time, with the value harbor-config implies now, as JSON: [[spec keys, harbor path, value as JSON], ...].
The pairs are files/guard-pairs.json (GUARD_PAIRS in generator/src/values/derive.ts): each applies when its
harbor-config field is (or is not) a value, and gives its value as a copy of a harbor-config field (default: for
one absent, null or empty), a constant, or a computation harbor-edge.guardValue.<name> below.
*/}}
{{- define "harbor-edge.guardPairs" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $p := list -}}
{{- range $pair := (.Files.Get "files/guard-pairs.json" | fromJson).pairs -}}
{{- $on := true -}}
{{- with $pair.when -}}
{{- $got := include "harbor-edge.jsonAt" (dict "root" $c "path" .path) -}}
{{- $on = ternary (eq $got (toJson .is)) (ne $got (toJson .isNot)) (hasKey . "is") -}}
{{- end -}}
{{- if $on -}}
{{- $want := "" -}}
{{- if hasKey $pair "from" -}}
{{- $want = include "harbor-edge.jsonAt" (dict "root" $c "path" $pair.from) -}}
{{- if and (hasKey $pair "default") (has $want (list "null" "\"\"")) }}{{ $want = toJson $pair.default }}{{ end -}}
{{- else if hasKey $pair "value" -}}
{{- $want = toJson $pair.value -}}
{{- else -}}
{{- $want = include (printf "harbor-edge.guardValue.%s" $pair.compute) (dict "ctx" $ "pair" $pair) -}}
{{- end -}}
{{- $p = append $p (list $pair.spec $pair.harbor $want) -}}
{{- end -}}
{{- end -}}
{{- toJson $p -}}
{{- end -}}

{{/* The guard's computed values (GuardSource in generator/src/values/derive.ts), as JSON. dict: ctx, pair. */}}
{{- define "harbor-edge.guardValue.externalURL" -}}
{{- $c := index .ctx.Values "harbor-config" -}}
{{- $https := $c.service.harbor.https -}}
{{- $port := ternary $https.port $https.nodePort (eq $c.service.serviceType "ClusterIP") | int -}}
{{- ternary (printf "https://%s" $c.cluster.hostname) (printf "https://%s:%d" $c.cluster.hostname $port) (eq $port 443) | toJson -}}
{{- end -}}
{{- define "harbor-edge.guardValue.adminSecretKey" -}}
{{- $a := (index .ctx.Values "harbor-config").auth -}}
{{- ternary $a.existingSecretKey .pair.default (ne $a.existingSecret "") | toJson -}}
{{- end -}}
{{- define "harbor-edge.guardValue.storageType" -}}
{{- ternary "s3" "filesystem" (eq (index .ctx.Values "harbor-config").storage.backend.type "s3") | toJson -}}
{{- end -}}
{{- define "harbor-edge.guardValue.s3DisableRedirect" -}}
{{- $b := (index .ctx.Values "harbor-config").storage.backend -}}
{{- and (eq $b.type "s3") $b.s3.disableRedirect | toJson -}}
{{- end -}}
{{- define "harbor-edge.guardValue.s3Env" -}}
{{- include "harbor-edge.s3Env" .ctx -}}
{{- end -}}
{{- define "harbor-edge.guardValue.tlsChecksum" -}}
{{- include "harbor-edge.tlsChecksum" .ctx | toJson -}}
{{- end -}}
{{- define "harbor-edge.guardValue.s3Secure" -}}
{{- not (hasPrefix "http://" ((index .ctx.Values "harbor-config").storage.backend.s3.endpoint | default "")) | toJson -}}
{{- end -}}
{{- define "harbor-edge.guardValue.databasePort" -}}
{{- toString (int (index .ctx.Values "harbor-config").database.external.port) | toJson -}}
{{- end -}}

{{/*
The REGISTRY_STORAGE_S3_* overrides for what upstream's registry ConfigMap cannot express (s3EnvVars() in
derive.ts): the variables of files/s3-env.json (S3_ENV), each made from its storage.backend.s3 field by its rule
(falseForHttp: "false" for an http:// URL, else none; text: the field as text, ifAbsent when absent). As JSON.
*/}}
{{- define "harbor-edge.s3Env" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $env := list -}}
{{- if eq $c.storage.backend.type "s3" -}}
{{- $s3 := $c.storage.backend.s3 -}}
{{- range $e := (.Files.Get "files/s3-env.json" | fromJson).variables -}}
{{- $v := index $s3 $e.field -}}
{{- if eq $e.rule "falseForHttp" -}}
{{- if hasPrefix "http://" ($v | default "") }}{{ $env = append $env (dict "name" $e.name "value" "false") }}{{ end -}}
{{- else if eq $e.rule "text" -}}
{{- if kindIs "invalid" $v }}{{ $v = $e.ifAbsent }}{{ end -}}
{{- $env = append $env (dict "name" $e.name "value" (toString $v)) -}}
{{- else -}}
{{- fail (printf "files/s3-env.json: %s has the unknown rule %q" $e.name $e.rule) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $env -}}
{{- end -}}

{{/* The value at a dotted path inside a map, as JSON (missing keys give null). dict: root, path. */}}
{{- define "harbor-edge.jsonAt" -}}
{{- $node := .root -}}
{{- range $seg := splitList "." .path -}}
{{- if kindIs "map" $node }}{{- $node = index $node $seg }}{{- else }}{{- $node = "__absent__" }}{{- end -}}
{{- end -}}
{{- if eq (toJson $node) "\"__absent__\"" }}null{{ else }}{{ toJson $node }}{{ end -}}
{{- end -}}

{{/* Fails the render, naming both keys and the fix, when harbor-config and the harbor: block disagree. */}}
{{- define "harbor-edge.guard" -}}
{{- $harbor := .Values.harbor | default dict -}}
{{- $problems := list -}}
{{- range $pair := include "harbor-edge.guardPairs" . | fromJsonArray -}}
{{- $want := index $pair 2 -}}
{{- $got := include "harbor-edge.jsonAt" (dict "root" $harbor "path" (index $pair 1)) -}}
{{- if ne $want $got -}}
{{- $problems = append $problems (printf "harbor-config.%s implies harbor.%s=%s, but harbor.%s is %s" (index $pair 0) (index $pair 1) $want (index $pair 1) $got) -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "harbor-config and the harbor: block disagree (Helm cannot pass harbor-config to the harbor subchart at install time):\n  - %s\nFix: regenerate the values with `harbor-edge values <spec> -o values.yaml` and install with -f values.yaml, or set the harbor.* keys named above to the values shown." (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}

{{/*
A PersistentVolumeClaim sized from harbor-config.storage, mounted by upstream through existingClaim.
dict: ctx, component (registry, jobservice, ...), size (harbor-config.storage.<x>).
*/}}
{{- define "harbor-edge.pvc" -}}
{{- $c := index .ctx.Values "harbor-config" -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "harbor-edge.name" (list .ctx (printf "pvc.%s" .component)) }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "harbor-edge.labels" .ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  annotations:
    {{- include "harbor-edge.keepAnnotation" .ctx | nindent 4 }}
spec:
  accessModes:
    - ReadWriteOnce
  {{- with $c.storage.storageClass }}
  storageClassName: {{ . }}
  {{- end }}
  resources:
    requests:
      storage: {{ include "harbor-edge.size" .size }}
{{- end -}}

{{/* The harbor-core image of the harbor: block, which the node-mirror DaemonSet runs its sh script in: it runs on
     nodes that may not have the harbor-edge image yet, and Harbor's own image is pulled there anyway. The tag goes
     through toString: `--set harbor.core.image.tag=1` gives a number. */}}
{{- define "harbor-edge.coreImage" -}}
{{- $image := .Values.harbor.core.image -}}
{{- printf "%s:%s" $image.repository (toString $image.tag) -}}
{{- end -}}

{{/* The harbor-edge image (harbor-config.image) that the configuration and report pods run: repository:tag,
     the tag defaulting to the chart's version (the one the release pushes with it), and @digest when one is
     set. The tag goes through toString: `--set harbor-config.image.tag=1` gives a number. */}}
{{- define "harbor-edge.image" -}}
{{- $i := (index .Values "harbor-config").image -}}
{{- $tag := toString ($i.tag | default .Chart.Version) -}}
{{- printf "%s:%s" $i.repository $tag -}}{{- with $i.digest }}@{{ . }}{{ end -}}
{{- end -}}

{{/* The container fields every harbor-edge pod shares: the image, its pull policy, and the command's
     arguments (the image's entrypoint is the program). dict: ctx, command. */}}
{{- define "harbor-edge.programContainer" -}}
image: {{ include "harbor-edge.image" .ctx }}
imagePullPolicy: {{ (index .ctx.Values "harbor-config").image.pullPolicy }}
args: [{{ .command | quote }}]
{{- end -}}

{{/*
How the in-cluster steps (configure, report) reach Harbor: over TLS, through the Service harbor (nginx), by a name
the certificate carries, trusting the chart's CA: the admin password never crosses the pod network in clear. The
generated certificate names the Service (harbor-edge.sans); a given one (auth.certs.crt) names cluster.hostname,
which TLS then checks (and sends as SNI) on the connection to the Service. Env entries, then the CA's mount and
volume (ca.crt of harbor-tls alone: never the CA's key in harbor-edge-ca).
*/}}
{{- define "harbor-edge.harborCaDir" -}}/etc/harbor-edge/harbor-ca{{- end -}}
{{- define "harbor-edge.inClusterHarborEnv" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $port := int $c.service.harbor.https.port -}}
- name: HARBOR_URL
  value: {{ printf "https://%s.%s.svc%s" (include "harbor-edge.name" (list . "service")) .Release.Namespace (ternary "" (printf ":%d" $port) (eq $port 443)) | quote }}
- name: HARBOR_CA_FILE
  value: {{ printf "%s/ca.crt" (include "harbor-edge.harborCaDir" .) | quote }}
{{- if $c.auth.certs.crt }}
- name: HARBOR_TLS_SERVER_NAME
  value: {{ $c.cluster.hostname | quote }}
{{- end }}
{{- end -}}
{{- define "harbor-edge.harborCaMount" -}}
- name: harbor-ca
  mountPath: {{ include "harbor-edge.harborCaDir" . }}
  readOnly: true
{{- end -}}
{{- define "harbor-edge.harborCaVolume" -}}
- name: harbor-ca
  secret:
    secretName: {{ include "harbor-edge.name" (list . "tlsSecret") }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end -}}
