{{/*
The configuration step (`harbor-edge configure`, generator/src/configure/, from the harbor-edge image): one pod
template shared by the Job that runs after every install and upgrade (configure-job.yaml) and the CronJob that
runs it periodically (configure-cronjob.yaml), and the names of the objects it uses.
*/}}

{{/*
The proxied registries, one line each: PROJECT TYPE URL [CREDENTIALS_SECRET], from harbor-edge.proxyRegistries
(_helpers-proxy.tpl: the same mapping as generator/src/spec/registries.ts proxyRegistries()).
*/}}
{{- define "harbor-edge.configure.proxyCache" -}}
{{- range $line := include "harbor-edge.proxyRegistries" . | splitList "\n" }}{{ if $line }}
{{- $f := splitList " " $line }}
{{ index $f 1 }} {{ index $f 3 }} {{ index $f 2 }}{{ with index $f 4 }} {{ . }}{{ end }}
{{- end }}{{ end -}}
{{- end -}}

{{/* The distinct credentials Secrets of the extra registries, as a JSON list. */}}
{{- define "harbor-edge.configure.credentialSecrets" -}}
{{- $pc := (index .Values "harbor-config").proxyCache -}}
{{- $out := list -}}
{{- if $pc.enabled }}{{ range $pc.extraRegistries }}{{ if .credentialsSecret }}{{ $out = append $out .credentialsSecret }}{{ end }}{{ end }}{{ end -}}
{{- $out | uniq | toJson -}}
{{- end -}}

{{/*
The API version of CronJob: batch/v1 where the cluster serves it (Kubernetes 1.21 and later), batch/v1beta1 on
1.20. helm template knows no resources, only the Kubernetes version (--kube-version), so either decides.
*/}}
{{- define "harbor-edge.cronJobApiVersion" -}}
{{- if or (.Capabilities.APIVersions.Has "batch/v1/CronJob") (semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version) -}}
batch/v1
{{- else -}}
batch/v1beta1
{{- end -}}
{{- end -}}

{{/*
The pod template of a configuration run. dict: ctx, trigger (install or periodic), wait (seconds it waits
for Harbor).
*/}}
{{- define "harbor-edge.configure.pod" -}}
{{- $ := .ctx -}}
{{- $c := index $.Values "harbor-config" -}}
{{- $secrets := include "harbor-edge.configure.credentialSecrets" $ | fromJsonArray -}}
metadata:
  labels:
    {{- include "harbor-edge.labels" $ | nindent 4 }}
    app.kubernetes.io/component: configure
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "harbor-edge.name" (list $ "configure") }}
  # the token reaches only the Kubernetes API: the Role lets it update the state Secret and create Events
  automountServiceAccountToken: true
  {{- with $.Values.harbor.imagePullSecrets }}
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
    - name: configure
      {{- include "harbor-edge.programContainer" (dict "ctx" $ "command" "configure") | nindent 6 }}
      env:
        {{- include "harbor-edge.inClusterHarborEnv" $ | nindent 8 }}
        - name: HARBOR_ADMIN_PASSWORD
          valueFrom:
            secretKeyRef:
              name: {{ $c.auth.existingSecret | default (include "harbor-edge.name" (list $ "adminSecret")) }}
              key: {{ ternary $c.auth.existingSecretKey "HARBOR_ADMIN_PASSWORD" (ne $c.auth.existingSecret "") }}
        {{- if not $c.auth.existingSecret }}
        - name: HARBOR_ADMIN_PASSWORD_PREVIOUS
          valueFrom:
            secretKeyRef:
              name: {{ include "harbor-edge.name" (list $ "adminSecret") }}
              key: HARBOR_ADMIN_PASSWORD_PREVIOUS
              optional: true
        {{- end }}
        - name: HARBOR_ADMIN_PASSWORD_APPLIED
          valueFrom:
            secretKeyRef:
              name: {{ include "harbor-edge.name" (list $ "configureState") }}
              key: applied
              optional: true
        - name: HARBOR_ADMIN_PASSWORD_PENDING
          valueFrom:
            secretKeyRef:
              name: {{ include "harbor-edge.name" (list $ "configureState") }}
              key: pending
              optional: true
        - name: HARBOR_PROJECTS
          value: {{ include "harbor-edge.configure.projects" $ | quote }}
        - name: HARBOR_PROXY_CACHE
          value: {{ include "harbor-edge.configure.proxyCache" $ | trim | quote }}
        - name: HARBOR_PROXY_RETENTION_DAYS
          value: {{ $c.proxyCache.retentionDays | quote }}
        - name: HARBOR_PROXY_LOCAL_ON_NOT_FOUND
          value: {{ $c.proxyCache.localOnNotFound | quote }}
        - name: HARBOR_WAIT_SECONDS
          value: {{ .wait | quote }}
        - name: CONFIGURE_TRIGGER
          value: {{ .trigger }}
        - name: TLS_WARN_DAYS
          value: {{ $c.configJob.certificateWarningDays | quote }}
        # expiry of the certificate harbor-tls serves, as the chart recorded it (empty: not known)
        - name: TLS_NOT_AFTER
          value: {{ include "harbor-edge.tlsNotAfter" $ | quote }}
        # what nginx serves (read by a TLS handshake) against harbor-tls's certificate: nginx reads tls.crt only
        # when it starts, so after a renewal it is restarted onto the new one, and the expiry warning reads what
        # is served (TLS_NOT_AFTER when it cannot connect)
        - name: TLS_SERVED_ADDRESS
          value: {{ printf "%s.%s.svc:443" (include "harbor-edge.name" (list $ "upstreamNginxService")) $.Release.Namespace | quote }}
        - name: TLS_CERT_FILE
          value: /harbor-tls/tls.crt
        - name: NGINX_DEPLOYMENT
          value: {{ include "harbor-edge.name" (list $ "upstreamNginxService") | quote }}
        - name: KUBE_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        {{- if include "harbor-edge.reportRobot" $ }}
        # the report's read-only robot account: created in Harbor, its name and secret written to this Secret
        - name: REPORT_ROBOT_SECRET
          value: {{ include "harbor-edge.name" (list $ "reportRobotSecret") }}
        {{- end }}
        {{- if include "harbor-edge.registryInfo" $ }}
        # Palette's registry-info follows the password Harbor accepts (auth.existingSecret rotated by the CronJob)
        - name: REGISTRY_INFO_SECRET
          value: {{ include "harbor-edge.name" (list $ "registryInfoSecret") }}
        - name: REGISTRY_INFO_NAMESPACE
          value: {{ include "harbor-edge.registryInfoNamespace" $ }}
        {{- end }}
        - name: STATE_SECRET
          value: {{ include "harbor-edge.name" (list $ "configureState") }}
        - name: JOB_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['job-name']
        - name: JOB_UID
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['controller-uid']
        - name: TMPDIR
          value: /tmp
      securityContext:
        allowPrivilegeEscalation: false
        privileged: false
        readOnlyRootFilesystem: true
        runAsNonRoot: true
        capabilities:
          drop: ["ALL"]
      # node: about 50 MiB resident at start
      resources:
        requests:
          cpu: 10m
          memory: 64Mi
        limits:
          cpu: 500m
          memory: 192Mi
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- include "harbor-edge.harborCaMount" $ | nindent 8 }}
        - name: state
          mountPath: /state
          readOnly: true
        - name: harbor-tls
          mountPath: /harbor-tls
          readOnly: true
        {{- range $i, $s := $secrets }}
        - name: {{ printf "credentials-%d" $i }}
          mountPath: {{ printf "/credentials/%s" $s }}
          readOnly: true
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 16Mi
    {{- include "harbor-edge.harborCaVolume" $ | nindent 4 }}
    # what earlier runs applied (digests of proxy-cache credentials); written through the API, read here
    - name: state
      secret:
        secretName: {{ include "harbor-edge.name" (list $ "configureState") }}
        optional: true
    # harbor-tls's certificate only (never its key): what nginx should serve
    - name: harbor-tls
      secret:
        secretName: {{ include "harbor-edge.name" (list $ "tlsSecret") }}
        optional: true
        items:
          - key: tls.crt
            path: tls.crt
    {{- range $i, $s := $secrets }}
    - name: {{ printf "credentials-%d" $i }}
      secret:
        secretName: {{ $s }}
        # a missing Secret must not stop the other steps: the script reports it
        optional: true
        items:
          - key: access_key
            path: access_key
          - key: access_secret
            path: access_secret
    {{- end }}
{{- end -}}

{{/*
The projects to ensure: NAME:public or NAME:private, space-separated. With nodeMirror.spectroImages nodes
try spectro-images first, anonymously (containerd sends no credentials to a mirror), so it is public then,
whatever projects says, and ensured even when projects leaves it out: a private one answers every node 401
(Harbor's v2auth middleware) and the node quietly moves on to the next host. Mirrors configureProjects() in
generator/src/configure/projects.ts; validate warns that it is made public.
*/}}
{{- define "harbor-edge.configure.projects" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $spectro := eq (toString $c.nodeMirror.spectroImages) "true" -}}
{{- $projects := list -}}
{{- $seen := false -}}
{{- range $c.projects }}
{{- $public := default false .public -}}
{{- if and $spectro (eq .name "spectro-images") }}{{ $public = true }}{{ $seen = true }}{{ end -}}
{{- $projects = append $projects (printf "%s:%s" .name (ternary "public" "private" $public)) -}}
{{- end -}}
{{- if and $spectro (not $seen) }}{{ $projects = append $projects "spectro-images:public" }}{{ end -}}
{{- join " " $projects -}}
{{- end -}}
