{{/*
The TLS material harbor-tls serves, as JSON {crt, key, ca, caKey, source}: the given certificate
(auth.certs); else a server certificate signed by the CA of the secrets file (secrets.tls) or, without
one, by the CA kept in harbor-edge-ca (or a new one). The CA never changes once made, so nodes that trust
it keep trusting every server certificate the chart signs later. The server certificate is, in order:
the secrets file's while it was made for the names this release needs; the one harbor-tls already holds
while it was made for these names by this CA; else a new one. Generated keys are ECDSA P-256: what
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
{{- /* the CA: the secrets file's, else the one kept in harbor-edge-ca, else a new one */ -}}
{{- $ca := dict -}}
{{- if or $st.caCrt $st.caKey $st.crt $st.key -}}
{{- if not (and $st.caCrt $st.caKey) -}}
{{- fail "secrets.tls: expected caCrt and caKey (the CA that signs the server certificate, kept so nodes that trust it keep working). Fix: run `harbor-edge secrets <spec> -o FILE` again, or remove secrets.tls so the chart generates and keeps one." -}}
{{- end -}}
{{- $ca = buildCustomCert ($st.caCrt | b64enc) ($st.caKey | b64enc) -}}
{{- else -}}
{{- $caSecret := lookup "v1" "Secret" .Release.Namespace (include "harbor-edge.name.ca" .) -}}
{{- if and $caSecret $caSecret.data (hasKey $caSecret.data "tls.crt") (hasKey $caSecret.data "tls.key") -}}
{{- $ca = buildCustomCert (index $caSecret.data "tls.crt") (index $caSecret.data "tls.key") -}}
{{- else -}}
{{- $ca = genCAWithKey "harbor-edge-ca" $days (genPrivateKey "ecdsa") -}}
{{- end -}}
{{- end -}}
{{- /* the server certificate: the secrets file's, else the one in harbor-tls, while made for these names by this CA */ -}}
{{- $tlsSecret := lookup "v1" "Secret" .Release.Namespace (include "harbor-edge.name.tls" .) -}}
{{- $made := "" -}}
{{- if and $tlsSecret $tlsSecret.metadata $tlsSecret.metadata.annotations -}}
{{- $made = index $tlsSecret.metadata.annotations "harbor-edge.io/sans" | default "" -}}
{{- end -}}
{{- if and $st.crt $st.key (eq ($st.sans | default "") $sans) -}}
{{- $out = dict "crt" $st.crt "key" $st.key "ca" $ca.Cert "caKey" $ca.Key "source" "secrets" -}}
{{- else if and (eq $made $sans) $tlsSecret.data (hasKey $tlsSecret.data "tls.crt") (hasKey $tlsSecret.data "tls.key") (eq (index $tlsSecret.data "ca.crt" | default "" | b64dec) $ca.Cert) -}}
{{- $out = dict "crt" (index $tlsSecret.data "tls.crt" | b64dec) "key" (index $tlsSecret.data "tls.key" | b64dec) "ca" $ca.Cert "caKey" $ca.Key "source" (ternary "secrets" "generated" (not (empty $st.crt))) -}}
{{- else -}}
{{- $names := include "harbor-edge.sans" . | fromJson -}}
{{- $cert := genSignedCertWithKey $c.cluster.hostname $names.ips $names.dns $days $ca (genPrivateKey "ecdsa") -}}
{{- $out = dict "crt" $cert.Cert "key" $cert.Key "ca" $ca.Cert "caKey" $ca.Key "source" (ternary "secrets" "generated" (not (empty $st.crt))) -}}
{{- end -}}
{{- end -}}
{{- include "harbor-edge.memo" (dict "ctx" . "id" "tls" "value" $out) -}}
{{- end -}}
{{- end -}}
