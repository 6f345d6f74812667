{{/* generated — do not edit; run npm run generate
source: generator/src/common/names.ts and generator/src/spec/registries.ts (test/generated.test.ts checks the drift) */}}

{{/* Object names: fixed, whatever the release is called (upstream is pointed at them statically). */}}
{{- define "harbor-edge.name.service" -}}harbor{{- end -}}
{{- define "harbor-edge.name.upstreamNginxService" -}}harbor-nginx{{- end -}}
{{- define "harbor-edge.name.tls" -}}harbor-tls{{- end -}}
{{- define "harbor-edge.name.ca" -}}harbor-edge-ca{{- end -}}
{{- define "harbor-edge.name.admin" -}}harbor-edge-admin{{- end -}}
{{- define "harbor-edge.name.core" -}}harbor-edge-core{{- end -}}
{{- define "harbor-edge.name.jobservice" -}}harbor-edge-jobservice{{- end -}}
{{- define "harbor-edge.name.registry" -}}harbor-edge-registry{{- end -}}
{{- define "harbor-edge.name.database" -}}harbor-edge-database{{- end -}}
{{- define "harbor-edge.name.registryInfo" -}}registry-info{{- end -}}
{{- define "harbor-edge.name.pvc" -}}{{- index (dict "registry" "harbor-edge-registry" "jobservice" "harbor-edge-jobservice" "database" "harbor-edge-database" "redis" "harbor-edge-redis" "trivy" "harbor-edge-trivy") . | required (printf "no PersistentVolumeClaim name for the component %q" .) -}}{{- end -}}

{{/* The built-in registries Harbor proxies: host -> [endpoint, Harbor registry type], as JSON. */}}
{{- define "harbor-edge.builtinProxyRegistries" -}}{"docker.io":["https://hub.docker.com","docker-hub"],"gcr.io":["https://gcr.io","docker-registry"],"ghcr.io":["https://ghcr.io","github-ghcr"],"quay.io":["https://quay.io","docker-registry"],"registry.k8s.io":["https://registry.k8s.io","docker-registry"]}{{- end -}}
