{{/*
The in-cluster report (`harbor-edge report`, generator/src/report/, from the harbor-edge image): which images the
cluster runs that Harbor holds.
*/}}


{{/* "true" when the report reads Harbor as the robot account the configuration runs create (both are on). */}}
{{- define "harbor-edge.reportRobot" -}}
{{- $c := index .Values "harbor-config" -}}
{{- if and $c.report.enabled $c.configJob.enabled }}true{{ end -}}
{{- end -}}
{{- define "harbor-edge.name.reportClusterRole" -}}{{ printf "%s-%s-%s" (include "harbor-edge.name" (list . "report")) .Release.Namespace .Release.Name }}{{- end -}}

{{/* The report's pod, shared by the post-install Job and the CronJob. */}}
{{- define "harbor-edge.reportPod" -}}
{{- $c := index .Values "harbor-config" -}}
metadata:
  labels:
    {{- include "harbor-edge.labels" . | nindent 4 }}
    app.kubernetes.io/component: report
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "harbor-edge.name" (list . "report") }}
  automountServiceAccountToken: true
  {{- with .Values.harbor.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 10000
    runAsGroup: 10000
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: report
      {{- include "harbor-edge.programContainer" (dict "ctx" . "command" "report") | nindent 6 }}
      env:
        {{- include "harbor-edge.inClusterHarborEnv" . | nindent 8 }}
        {{- if include "harbor-edge.reportRobot" . }}
        # least privilege: the read-only robot account the configuration runs create, read from this Secret
        # through the API (waiting for it after an install); never the admin password
        - name: REPORT_ROBOT_SECRET
          value: {{ include "harbor-edge.name" (list . "reportRobotSecret") }}
        {{- else }}
        # no configuration runs (configJob.enabled=false), so no robot account: the admin password
        - name: HARBOR_ADMIN_PASSWORD
          valueFrom:
            secretKeyRef:
              name: {{ $c.auth.existingSecret | default (include "harbor-edge.name" (list . "adminSecret")) }}
              key: {{ ternary $c.auth.existingSecretKey "HARBOR_ADMIN_PASSWORD" (ne $c.auth.existingSecret "") }}
        {{- end }}
        # the addresses nodes pull from Harbor itself at: an image named <address>/<project>/... is looked up there
        - name: HARBOR_ADDRESSES
          value: {{ include "harbor-edge.report.harborAddresses" . | quote }}
        - name: HARBOR_PROXY_REGISTRIES
          value: {{ include "harbor-edge.proxyRegistries" . | quote }}
        - name: HARBOR_SPECTRO_PROJECT
          value: {{ ternary "spectro-images" "" (eq (toString $c.nodeMirror.spectroImages) "true") | quote }}
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: STATUS_CONFIGMAP
          value: {{ include "harbor-edge.name" (list . "statusConfigMap") }}
        - name: REPORT_CONFIRM_SECONDS
          value: {{ $c.report.confirmSeconds | quote }}
        - name: REPORT_WAIT_SECONDS
          value: "900"
        - name: TMPDIR
          value: /tmp
        {{- include "harbor-edge.nodeCheck.reportEnv" . | nindent 8 }}
      securityContext:
        allowPrivilegeEscalation: false
        privileged: false
        readOnlyRootFilesystem: true
        runAsNonRoot: true
        capabilities:
          drop: ["ALL"]
      # node: about 50 MiB resident at start, plus the cluster's pod list
      resources:
        requests:
          cpu: 10m
          memory: 64Mi
        limits:
          cpu: 500m
          memory: 256Mi
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- include "harbor-edge.harborCaMount" . | nindent 8 }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 16Mi
    {{- include "harbor-edge.harborCaVolume" . | nindent 4 }}
{{- end -}}

{{/* Harbor's own addresses, space-separated host[:port]: where nodes reach it (nodeMirror addresses) and the
     host of externalURL. */}}
{{- define "harbor-edge.report.harborAddresses" -}}
{{- $out := include "harbor-edge.nodeMirror.addresses" . | fromJsonArray -}}
{{- $out = append $out (regexReplaceAll "^[a-z]+://([^/]+).*$" (toString .Values.harbor.externalURL) "${1}") -}}
{{- $out | uniq | join " " -}}
{{- end -}}

{{/* How long one run may take: waiting for Harbor (900 s), confirming, and the fetches themselves. */}}
{{- define "harbor-edge.reportDeadline" -}}
{{- add 900 (int (index .Values "harbor-config").report.confirmSeconds) 1200 -}}
{{- end -}}
