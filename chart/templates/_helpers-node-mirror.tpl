{{/*
The node-mirror paths on the nodes. nodeMirror.hostDir and nodeMirror.containerdConfig when given, else the
defaults of nodeMirror.distribution (see their descriptions in schemas/harbor-config.schema.json). Shared by
the node-mirror ConfigMap (hosts.toml names the CA by its absolute path under hostDir) and the DaemonSet.
*/}}

{{- define "harbor-edge.nodeMirror.containerdDir" -}}
{{- $d := (index .Values "harbor-config").nodeMirror.distribution | default "containerd" -}}
{{- $dirs := dict "containerd" "/etc/containerd" "k3s" "/var/lib/rancher/k3s/agent/etc/containerd" "rke2" "/var/lib/rancher/rke2/agent/etc/containerd" -}}
{{- if not (hasKey $dirs $d) }}{{ fail (printf "harbor-config.nodeMirror.distribution: expected one of containerd, k3s, rke2; given %q" $d) }}{{ end -}}
{{- get $dirs $d -}}
{{- end -}}

{{/*
Where the DaemonSet may mount on a node: a directory under containerd's own (a uid 0 pod mounts hostDir read-write).
The same rule as the patterns of nodeMirror.hostDir and nodeMirror.containerdConfig in the schema, repeated here so
a render that skips the values schema (helm --skip-schema-validation) is refused too.
*/}}
{{- define "harbor-edge.nodeMirror.underContainerd" -}}^(/etc/containerd|/var/lib/rancher/(k3s|rke2)/agent/etc/containerd)(/[A-Za-z0-9_][-A-Za-z0-9_.]*)*{{- end -}}

{{/* The node's containerd host directory (config_path), without a trailing slash. */}}
{{- define "harbor-edge.nodeMirror.hostDir" -}}
{{- $given := (index .Values "harbor-config").nodeMirror.hostDir | default "" | trimSuffix "/" -}}
{{- if and $given (not (regexMatch (printf "%s/certs\\.d$" (include "harbor-edge.nodeMirror.underContainerd" .)) $given)) }}
{{- fail (printf "harbor-config.nodeMirror.hostDir: expected a certs.d directory under /etc/containerd, /var/lib/rancher/k3s/agent/etc/containerd or /var/lib/rancher/rke2/agent/etc/containerd; given %q" $given) }}
{{- end }}
{{- $given | default (printf "%s/certs.d" (include "harbor-edge.nodeMirror.containerdDir" .)) -}}
{{- end -}}

{{/* The node's containerd configuration file. */}}
{{- define "harbor-edge.nodeMirror.containerdConfig" -}}
{{- $given := (index .Values "harbor-config").nodeMirror.containerdConfig | default "" -}}
{{- if and $given (not (regexMatch (printf "%s/config\\.toml$" (include "harbor-edge.nodeMirror.underContainerd" .)) $given)) }}
{{- fail (printf "harbor-config.nodeMirror.containerdConfig: expected a config.toml under /etc/containerd, /var/lib/rancher/k3s/agent/etc/containerd or /var/lib/rancher/rke2/agent/etc/containerd; given %q" $given) }}
{{- end }}
{{- $given | default (printf "%s/config.toml" (include "harbor-edge.nodeMirror.containerdDir" .)) -}}
{{- end -}}

{{/*
The namespace of the node-mirror DaemonSet and of what it reads (its script, the host files, the CA): nodeMirror.namespace,
else the release namespace. Its pod needs hostPath volumes, which Pod Security admits only where enforce is privileged;
a namespace of its own keeps the release namespace at baseline or restricted.
*/}}
{{- define "harbor-edge.nodeMirror.namespace" -}}
{{- (index .Values "harbor-config").nodeMirror.namespace | default .Release.Namespace -}}
{{- end -}}

{{/* "true" when the DaemonSet runs outside the release namespace: it then reads a copy of the CA there. */}}
{{- define "harbor-edge.nodeMirror.apart" -}}
{{- if ne (include "harbor-edge.nodeMirror.namespace" .) .Release.Namespace }}true{{ end -}}
{{- end -}}

{{/* The node-mirror DaemonSet's name, and of its ServiceAccount, Role and RoleBinding (the Role names it). */}}

{{/*
The node-mirror pod template's labels: the selector's plus what never changes with the chart's version (no
helm.sh/chart, no app.kubernetes.io/version), so a chart upgrade alone does not roll the DaemonSet.
*/}}
{{- define "harbor-edge.nodeMirror.podLabels" -}}
app.kubernetes.io/name: {{ include "harbor-edge.name" (list . "chart") }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: node-mirror
app.kubernetes.io/part-of: harbor
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
