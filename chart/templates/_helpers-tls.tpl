{{/*
The TLS material harbor-tls serves, as JSON {crt, key, ca, caKey, source, notAfter}: the given certificate
(auth.certs); else a server certificate signed by the CA of the secrets file (secrets.tls) or, without
one, by the CA kept in harbor-edge-ca (or a new one). The CA never changes once made, so nodes that trust
it keep trusting every server certificate the chart signs later. The server certificate is, in order:
the secrets file's while it was made for the names this release needs; the one harbor-tls already holds
while it was made for these names by this CA; else a new one. A server certificate within 30 days of its
expiry (notAfter, recorded in harbor-tls's annotation harbor-edge.io/not-after because Helm cannot read
X.509) is never reused: any install or upgrade then signs a new one with the same CA. Generated keys are ECDSA P-256: what
Docker, containerd and browsers accept, and quick to make (an RSA key costs helm seconds per render).
*/}}
{{- define "harbor-edge.tlsMaterial" -}}
{{- $memo := index .Values "__harborEdgeMemo" | default dict -}}
{{- if hasKey $memo "tls" -}}
{{- index $memo "tls" | toJson -}}
{{- else -}}
{{- $c := index .Values "harbor-config" -}}
{{- $certs := $c.auth.certs -}}
{{- $secrets := .Values.secrets | default dict -}}
{{- $st := $secrets.tls | default dict -}}
{{- $sans := include "harbor-edge.sansText" . -}}
{{- $out := dict -}}
{{- if and $certs.crt $certs.key -}}
{{- $ca := $certs.ca -}}
{{- if not $ca -}}
{{- $blocks := regexFindAll "-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----" $certs.crt -1 -}}
{{- $ca = last $blocks -}}
{{- end -}}
{{- $out = dict "crt" $certs.crt "key" $certs.key "ca" $ca "source" "given" -}}
{{- else if or $certs.crt $certs.key -}}
{{- fail "harbor-config.auth.certs: expected crt and key together (or both empty to generate a certificate)" -}}
{{- else -}}
{{- $days := int $c.auth.certs.validityDays -}}
{{- /* a server certificate is re-issued from the same CA on any render within 30 days of its expiry */ -}}
{{- $renewBefore := include "harbor-edge.rfc3339" (now | dateModify "+720h") -}}
{{- /* the CA: the secrets file's, else the one kept in harbor-edge-ca, else a new one */ -}}
{{- $ca := dict -}}
{{- if or $st.caCrt $st.caKey $st.crt $st.key -}}
{{- if not (and $st.caCrt $st.caKey) -}}
{{- fail "secrets.tls: expected caCrt and caKey (the CA that signs the server certificate, kept so nodes that trust it keep working). Fix: run `harbor-edge secrets <spec> -o FILE` again, or remove secrets.tls so the chart generates and keeps one." -}}
{{- end -}}
{{- $ca = buildCustomCert ($st.caCrt | b64enc) ($st.caKey | b64enc) -}}
{{- else -}}
{{- $caSecret := lookup "v1" "Secret" .Release.Namespace (include "harbor-edge.name" (list . "caSecret")) -}}
{{- if and $caSecret $caSecret.data (hasKey $caSecret.data "tls.crt") (hasKey $caSecret.data "tls.key") -}}
{{- $ca = buildCustomCert (index $caSecret.data "tls.crt") (index $caSecret.data "tls.key") -}}
{{- else -}}
{{- $ca = genCAWithKey (include "harbor-edge.name" (list . "caCommonName")) (int $c.auth.certs.caValidityDays) (genPrivateKey "ecdsa") -}}
{{- end -}}
{{- end -}}
{{- $source := ternary "secrets" "generated" (not (empty $st.caCrt)) -}}
{{- /* the server certificate: the secrets file's, else the one in harbor-tls, while made for these names by
this CA and not due for renewal; else a new one */ -}}
{{- $tlsSecret := lookup "v1" "Secret" .Release.Namespace (include "harbor-edge.name" (list . "tlsSecret")) -}}
{{- $annotations := dict -}}
{{- if and $tlsSecret $tlsSecret.metadata $tlsSecret.metadata.annotations -}}
{{- $annotations = $tlsSecret.metadata.annotations -}}
{{- end -}}
{{- $keptNotAfter := include "harbor-edge.rfc3339" (toDate "2006-01-02T15:04:05Z07:00" (index $annotations "harbor-edge.io/not-after" | default "0001-01-01T00:00:00Z")) -}}
{{- $fileNotAfter := "" -}}
{{- if $st.notAfter }}{{ $fileNotAfter = include "harbor-edge.rfc3339" (toDate "2006-01-02T15:04:05Z07:00" $st.notAfter) }}{{ end -}}
{{- if and $st.crt $st.key (eq ($st.sans | default "") $sans) (or (not $fileNotAfter) (lt $renewBefore $fileNotAfter)) -}}
{{- $out = dict "crt" $st.crt "key" $st.key "ca" $ca.Cert "caKey" $ca.Key "source" $source "notAfter" $fileNotAfter -}}
{{- else if and (eq (index $annotations "harbor-edge.io/sans" | default "") $sans) (lt $renewBefore $keptNotAfter) $tlsSecret.data (hasKey $tlsSecret.data "tls.crt") (hasKey $tlsSecret.data "tls.key") (eq (index $tlsSecret.data "ca.crt" | default "" | b64dec) $ca.Cert) -}}
{{- $out = dict "crt" (index $tlsSecret.data "tls.crt" | b64dec) "key" (index $tlsSecret.data "tls.key" | b64dec) "ca" $ca.Cert "caKey" $ca.Key "source" $source "notAfter" $keptNotAfter -}}
{{- else -}}
{{- $names := include "harbor-edge.sans" . | fromJson -}}
{{- /* genSignedCert makes it valid from now for $days days */ -}}
{{- $notAfter := include "harbor-edge.rfc3339" (now | dateModify (printf "+%dh" (mul $days 24))) -}}
{{- $cert := genSignedCertWithKey $c.cluster.hostname $names.ips $names.dns $days $ca (genPrivateKey "ecdsa") -}}
{{- /* renewed: harbor-tls held a certificate for these same names, so no checksum input changed and nginx
does not restart by itself (NOTES says so) */ -}}
{{- $renewed := and $tlsSecret.data (eq (index $annotations "harbor-edge.io/sans" | default "") $sans) -}}
{{- $out = dict "crt" $cert.Cert "key" $cert.Key "ca" $ca.Cert "caKey" $ca.Key "source" $source "notAfter" $notAfter "renewed" (not (not $renewed)) -}}
{{- end -}}
{{- end -}}
{{- include "harbor-edge.memo" (dict "ctx" . "id" "tls" "value" $out) -}}
{{- end -}}
{{- end -}}

{{/* A time as the chart records it: RFC 3339 in UTC, whole seconds, so dates compare as strings. */}}
{{- define "harbor-edge.rfc3339" -}}
{{- dateInZone "2006-01-02T15:04:05Z" . "UTC" -}}
{{- end -}}

{{/*
Expiry of the server certificate harbor-tls carries (RFC 3339, UTC), for any template that reports on it:
empty for a given certificate (auth.certs; validate warns about it) and for a secrets file that does not say.
*/}}
{{- define "harbor-edge.tlsNotAfter" -}}
{{- (include "harbor-edge.tlsMaterial" . | fromJson).notAfter | default "" -}}
{{- end -}}

{{/*
Checksum of the inputs that decide what harbor-tls holds (mirrors tlsChecksum() in
generator/src/values/derive.ts, which explains the design): upstream's nginx and core carry it as the
pod-template annotation checksum/harbor-tls through the harbor: block, and the guard checks it, so new SANs
or a new given certificate restart them and an unchanged upgrade restarts nothing.
*/}}
{{- define "harbor-edge.tlsChecksum" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $certs := $c.auth.certs -}}
{{- list ($certs.crt | default "") ($certs.key | default "") ($certs.ca | default "") ($c.cluster.hostname | default "") ($c.cluster.vip | default "") (join "," ($certs.extraSANs | default list)) | join "\n" | sha256sum -}}
{{- end -}}
