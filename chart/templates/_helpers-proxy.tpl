{{/*
The upstream registries Harbor proxies, and the Harbor project each is pulled through: the same mapping as
proxyRegistries() in generator/src/spec/registries.ts (test/chart/node-mirror-template.test.ts checks that they
agree for random specs). One line per registry, built-ins first in spec order, then extraRegistries:

  host project url type credentialsSecret

space separated, each line ending in "\n"; credentialsSecret is empty when there is none (the line then ends
in a space). Nothing when proxyCache.enabled is false. Read it with
  {{- range $line := include "harbor-edge.proxyRegistries" . | splitList "\n" }}{{ if $line }}...{{ end }}{{ end }}
and (splitList " " $line) for the fields.
*/}}
{{- define "harbor-edge.proxyRegistries" -}}
{{- $pc := (index .Values "harbor-config").proxyCache | default dict -}}
{{- if $pc.enabled -}}
{{- /* files/proxy-registries.json (BUILTIN_PROXY and DEFAULT_PROXY_TYPE in registries.ts): the built-ins' endpoints
and types, which work anonymously and which Harbor permits */ -}}
{{- $table := .Files.Get "files/proxy-registries.json" | fromJson -}}
{{- range $host := $pc.registries | default list }}
{{- $b := index $table.builtin $host | required (printf "harbor-config.proxyCache.registries: %q is not a built-in registry (add it under proxyCache.extraRegistries)" $host) }}
{{- printf "%s %s %s %s \n" $host $host $b.url $b.type }}
{{- end }}
{{- range $r := $pc.extraRegistries | default list }}
{{- printf "%s %s %s %s %s\n" $r.host (replace ":" "-" $r.host) $r.url ($r.type | default $table.defaultType) ($r.credentialsSecret | default "") }}
{{- end }}
{{- end -}}
{{- end -}}
