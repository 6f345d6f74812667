{{/*
The opt-in node check (harbor-config.report.nodeCheck): a DaemonSet running `harbor-edge node-check --in-cluster`
from the harbor-edge image on every node, which fetches the manifests of its node's pods' images as that node's
containerd would and writes the result into one ConfigMap per node; the report combines them
(generator/src/nodecheck/in-cluster.ts, generator/src/report/nodes.ts). The ConfigMaps go into a namespace of their
own (harbor-edge.nodeCheck.resultsNamespace). Its pod needs hostNetwork and hostPath,
which Pod Security admits only where enforce is privileged: it runs in nodeMirror.namespace when that is set
(the namespace the node-mirror DaemonSet already needs), else in the release namespace, which must then be
privileged.
*/}}

{{- define "harbor-edge.name.nodeCheckClusterRole" -}}{{ printf "%s-%s-%s" (include "harbor-edge.name" (list . "nodeCheck")) .Release.Namespace .Release.Name }}{{- end -}}

{{/* "true" when the node check is on. It needs the report, which reads its results: refused otherwise, naming the fields. */}}
{{- define "harbor-edge.nodeCheck.enabled" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $n := $c.report.nodeCheck | default dict -}}
{{- if $n.enabled -}}
{{- if not $c.report.enabled }}{{ fail "harbor-config.report.nodeCheck.enabled: the node check needs the report, which reads its results: set harbor-config.report.enabled=true, or turn the node check off" }}{{ end -}}
true
{{- end -}}
{{- end -}}

{{/* Where the DaemonSet, its ServiceAccount and its per-node ConfigMaps are: the node-mirror namespace. */}}
{{- define "harbor-edge.nodeCheck.namespace" -}}
{{- include "harbor-edge.nodeMirror.namespace" . -}}
{{- end -}}

{{/*
Where the per-node results are written: a namespace of their own, made by the chart, holding nothing else
(<release namespace>-node-check). The node check's create/patch on ConfigMaps cannot be narrowed to its own
objects by RBAC (create takes no resourceNames, and the names derive from the nodes); in a namespace that holds
nothing else those verbs reach no other ConfigMap: not the node-mirror script or host files (root on every
node), not Harbor's own configuration.
*/}}
{{- define "harbor-edge.nodeCheck.resultsNamespace" -}}
{{- printf "%s-node-check" .Release.Namespace | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "harbor-edge.nodeCheck.intervalSeconds" -}}
{{- ((index .Values "harbor-config").report.nodeCheck | default dict).intervalSeconds | default 300 | int -}}
{{- end -}}

{{/* The report's environment for the node check (generator/src/report/input.ts). */}}
{{- define "harbor-edge.nodeCheck.reportEnv" -}}
{{- if include "harbor-edge.nodeCheck.enabled" . }}
# report.nodeCheck: the per-node results are read from the ConfigMaps there (list, by label)
- name: NODE_CHECK_NAMESPACE
  value: {{ include "harbor-edge.nodeCheck.resultsNamespace" . | quote }}
- name: NODE_CHECK_INTERVAL_SECONDS
  value: {{ include "harbor-edge.nodeCheck.intervalSeconds" . | quote }}
{{- end }}
{{- end -}}

{{/* "true" when the API server has ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30+). */}}
{{- define "harbor-edge.nodeCheck.admissionPolicy" -}}
{{- if and (include "harbor-edge.nodeCheck.enabled" .) (.Capabilities.APIVersions.Has "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy") }}true{{ end -}}
{{- end -}}
