{{/*
Nodes pull through Harbor: the containerd host file (<hostDir>/<registry host>/hosts.toml) of every proxied
registry. The one template for these files: node-mirror-configmap.yaml puts them into the ConfigMap
harbor-edge-node-mirror, which the node-mirror DaemonSet copies onto the nodes and `harbor-edge node-config`
renders (helm template --show-only) and writes, so both produce the same bytes.

What containerd does with such a file, read in its source (remotes/docker/config/hosts.go and
remotes/docker/resolver.go at v1.6.20, the Debian 12 package, and core/remotes/docker/... at v2.0.0 and
v2.2.0; unchanged in these points):
- Directory: for an image of registry H it reads <config_path>/H/hosts.toml (for H with a port also
  <config_path>/<host>_<port>_/, then <config_path>/_default/). H is the name in the image reference, so
  docker.io, not registry-1.docker.io.
- Order: the [host."..."] tables in file order (sorted by line), then `server` last. With no `server`, the
  last entry is the registry itself (docker.io: https://registry-1.docker.io, path /v2); we write `server`
  explicitly so the fallback is visible in the file.
- Path: a host URL with a path gets "/v2" appended unless it already ends in /v2 or override_path = true;
  with override_path the path is the API root as written. Requests go to <path>/<repository>/manifests/<tag>
  and <path>/<repository>/blobs/<digest>, so "https://harbor/v2/docker.io" + library/nginx is
  /v2/docker.io/library/nginx/manifests/1.25: Harbor's proxy-cache project docker.io. Without
  override_path it would be /v2/docker.io/v2/library/nginx/... and never match.
- Failure: while resolving a tag, a 404 logs "trying next host" and the next host is tried; so do a
  connection error and any other status above 399. So a project that lacks the image (spectro-images
  holding only the air-gap bundle) hands over to the next one, and a Harbor that is down hands over to the
  registry itself. Blobs and manifests by digest are fetched from the hosts in the same order.
- capabilities: "resolve" lets a host turn a tag into a digest, "pull" lets it serve content; no "push", so
  a push never lands in the proxy project.
- ca: a relative path is taken relative to the host directory, an absolute one as it is; we write the
  absolute <hostDir>/<H>/harbor-ca.crt because hostDir is known at render time. The file is added to the
  system roots for that host only.
- Requests to a mirror carry ?ns=<H> (the registry the image names); Harbor and distribution ignore it.
test/node-mirror/real-containerd.test.ts shows all of this with Debian's containerd 1.6.20 (CRI, config_path).
*/}}

{{/* The node's containerd host directory: harbor-edge.nodeMirror.hostDir in _helpers-node-mirror.tpl. */}}

{{/*
The addresses nodes reach Harbor at, as a JSON list of host[:port]: nodeMirror.addresses as given, else
cluster.vip at the https port clients use (the node port for NodePort and LoadBalancer, as in externalURL();
an IPv6 VIP in brackets). A ClusterIP Service is not served on the VIP, and nodes resolve
no cluster DNS names: then there is no address unless nodeMirror.addresses lists one. Mirrors
mirrorAddresses() in generator/src/nodeconfig/addresses.ts.
*/}}
{{- define "harbor-edge.nodeMirror.addresses" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $nm := $c.nodeMirror | default dict -}}
{{- $out := list -}}
{{- if $nm.addresses -}}
{{- $out = $nm.addresses -}}
{{- else if and $c.cluster.vip (ne $c.service.serviceType "ClusterIP") -}}
{{- $port := int $c.service.harbor.https.nodePort -}}
{{- $host := ternary (printf "[%s]" $c.cluster.vip) $c.cluster.vip (contains ":" $c.cluster.vip) -}}
{{- $out = list (printf "%s:%d" $host $port) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
The registry itself, containerd's fallback `server`: https://registry-1.docker.io for docker.io (what
containerd uses for docker.io with no host file), http://H when the extra registry's own URL is plain http
on that very host, else https://H. dict: host, url.
*/}}
{{- define "harbor-edge.nodeMirror.upstream" -}}
{{- if eq .host "docker.io" -}}
https://registry-1.docker.io
{{- else if and (hasPrefix "http://" .url) (eq (regexReplaceAll "^http://([^/]+).*$" .url "${1}") .host) -}}
http://{{ .host }}
{{- else -}}
https://{{ .host }}
{{- end -}}
{{- end -}}

{{/* The ConfigMap key of a registry host's hosts.toml (ConfigMap keys cannot hold ':'). */}}
{{- define "harbor-edge.nodeMirror.key" -}}
{{- replace ":" "_" . }}.hosts.toml
{{- end -}}

{{/*
The exact text of <hostDir>/<host>/hosts.toml. dict: ctx, host, project, url. Strings are written as JSON
strings, which are valid TOML basic strings (Go's JSON escapes are a subset of TOML's).
*/}}
{{- define "harbor-edge.nodeMirror.hostsToml" -}}
{{- $nm := (index .ctx.Values "harbor-config").nodeMirror | default dict -}}
{{- $addresses := include "harbor-edge.nodeMirror.addresses" .ctx | fromJsonArray -}}
{{- $ca := printf "%s/%s/harbor-ca.crt" (include "harbor-edge.nodeMirror.hostDir" .ctx) .host -}}
{{- $projects := list .project -}}
{{- /* Palette's layout spectro-images/<registry>/<path>; a registry with a port by its project name, as ':' is not allowed in a repository path */ -}}
{{- if $nm.spectroImages }}{{ $projects = prepend $projects (printf "spectro-images/%s" .project) }}{{ end -}}
# Managed by {{ include "harbor-edge.name" (list .ctx "chart") }}: pull {{ .host }} images through Harbor, then from {{ .host }} itself.
# Written by `harbor-edge node-config` or the node-mirror DaemonSet; local changes are overwritten.
# containerd tries the hosts in order and moves on after a 404 or an error; server is the last resort.
server = {{ include "harbor-edge.nodeMirror.upstream" (dict "host" .host "url" .url) | toJson }}
{{- range $project := $projects }}
{{- range $address := $addresses }}

[host.{{ printf "https://%s/v2/%s" $address $project | toJson }}]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = {{ $ca | toJson }}
{{- end }}
{{- end }}
{{ end -}}

{{/*
Refuses, naming the field, what cannot work: the DaemonSet with nothing to mirror or no address nodes
reach Harbor at. (`harbor-edge validate` says the same before helm is run.)
*/}}
{{- define "harbor-edge.nodeMirror.check" -}}
{{- $c := index .Values "harbor-config" -}}
{{- $nm := $c.nodeMirror | default dict -}}
{{- if $nm.enabled -}}
{{- if not $c.proxyCache.enabled -}}
{{- fail "harbor-config.nodeMirror.enabled: expected harbor-config.proxyCache.enabled true (the node mirror points nodes at the proxy-cache projects); given false" -}}
{{- end -}}
{{- if eq (include "harbor-edge.nodeMirror.addresses" . | fromJsonArray | len) 0 -}}
{{- fail (printf "harbor-config.nodeMirror.addresses: expected an address nodes reach Harbor at without cluster DNS (or cluster.vip with service.serviceType NodePort or LoadBalancer); given none (cluster.vip %q, service.serviceType %s)" $c.cluster.vip $c.service.serviceType) -}}
{{- end -}}
{{- end -}}
{{- end -}}
