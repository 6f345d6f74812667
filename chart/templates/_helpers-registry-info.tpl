{{/*
The namespace registry-info goes to: cluster-<cluster.uid>, which Palette creates for its clusters.
*/}}
{{- define "harbor-edge.registryInfoNamespace" -}}
{{- printf "cluster-%s" (index .Values "harbor-config").cluster.uid -}}
{{- end -}}

{{/* "true" when the chart writes registry-info (registryInfo.enabled with a cluster.uid). */}}
{{- define "harbor-edge.registryInfo" -}}
{{- $c := index .Values "harbor-config" -}}
{{- if and $c.registryInfo.enabled $c.cluster.uid }}true{{ end -}}
{{- end -}}

{{/*
Whether this release renders the Namespace of registry-info ("true" or ""): with registryInfo.createNamespace,
when the namespace is missing, or when it exists and belongs to this release (dropping it from the manifest
would make Helm delete it on upgrade). A namespace someone else made (Palette) is left alone.
*/}}
{{- define "harbor-edge.registryInfoNamespaceOwned" -}}
{{- $c := index .Values "harbor-config" -}}
{{- if and $c.registryInfo.enabled $c.cluster.uid $c.registryInfo.createNamespace -}}
{{- $found := lookup "v1" "Namespace" "" (include "harbor-edge.registryInfoNamespace" .) -}}
{{- if not $found -}}
true
{{- else -}}
{{- $a := ($found.metadata | default dict).annotations | default dict -}}
{{- if and (eq (index $a "meta.helm.sh/release-name" | default "") .Release.Name) (eq (index $a "meta.helm.sh/release-namespace" | default "") .Release.Namespace) -}}
true
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Fails the render with one line when registry-info would go to a namespace that does not exist. Helm's
lookup answers "not found" both for a missing namespace and when there is no cluster to ask (helm template),
so the check asks for kube-system too: present in every cluster, it tells a reachable API from none.
*/}}
{{- define "harbor-edge.registryInfoNamespaceCheck" -}}
{{- $c := index .Values "harbor-config" -}}
{{- if and $c.registryInfo.enabled $c.cluster.uid (not $c.registryInfo.createNamespace) -}}
{{- $ns := include "harbor-edge.registryInfoNamespace" . -}}
{{- if and (not (lookup "v1" "Namespace" "" $ns)) (lookup "v1" "Namespace" "" "kube-system") -}}
{{- fail (printf "harbor-config.registryInfo: the namespace %s (cluster-<cluster.uid>) does not exist, so %s cannot be written there. Palette creates it for its clusters; elsewhere create it (kubectl create namespace %s), set harbor-config.registryInfo.createNamespace=true, or set harbor-config.registryInfo.enabled=false." $ns (include "harbor-edge.name" (list . "registryInfoSecret")) $ns) -}}
{{- end -}}
{{- end -}}
{{- end -}}
