#!/bin/sh
# Builds the tier's test images without Docker and pushes them to the local registry with the
# Distribution HTTP API: one uncompressed OCI layer made from Debian's own binaries, a config, a manifest.
#   he-cl/pause:1    the pod sandbox: busybox-static sleeping
#   he-cl/busybox:1  busybox-static with its applets as /bin links
#   he-cl/curl:1     busybox + curl and its shared libraries: a stand-in for Harbor's harbor-core image,
#                    which the node-mirror DaemonSet runs its sh script in
#   he-cl/harbor-edge:1
#                    this machine's node, the libraries it links, and the bundled CLI (npm run bundle): a
#                    stand-in for the project's image (Dockerfile), with its entrypoint, no shell, uid 10000
# Usage: images.sh REGISTRY_URL WORKDIR BUNDLE
set -eu
REG="$1"; W="$2"; BUNDLE="$3"
mkdir -p "$W"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

push_blob() { # REPO FILE
  d="sha256:$(sha "$2")"
  if curl -sf -o /dev/null -I "$REG/v2/$1/blobs/$d"; then return 0; fi
  # a monolithic upload: open an upload session, then PUT the whole blob with its digest
  loc="$(curl -sf -o /dev/null -D - -X POST "$REG/v2/$1/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')"
  [ -n "$loc" ] || { echo "images: no upload session for $1" >&2; return 1; }
  case "$loc" in http*) ;; *) loc="$REG$loc" ;; esac
  case "$loc" in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$2" "$loc${sep}digest=$d"
}

busybox_root() { # DIR
  mkdir -p "$1/bin" "$1/tmp" "$1/etc"
  cp /bin/busybox "$1/bin/busybox"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$1/bin/$a"; done
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$1/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$1/etc/group"
  chmod 1777 "$1/tmp"
}

image() { # REPO TAG ROOTDIR ENTRYPOINT_JSON
  repo="$1"; tag="$2"; root="$3"; entry="$4"
  layer="$W/$repo-layer.tar"; cfg="$W/$repo-config.json"; man="$W/$repo-manifest.json"
  mkdir -p "$(dirname "$layer")"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$layer" .
  ld="sha256:$(sha "$layer")"
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin:/bin"],"Entrypoint":%s},"rootfs":{"type":"layers","diff_ids":["%s"]}}' "$entry" "$ld" > "$cfg"
  push_blob "$repo" "$layer"
  push_blob "$repo" "$cfg"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
    "$(sha "$cfg")" "$(size "$cfg")" "$ld" "$(size "$layer")" > "$man"
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$man" "$REG/v2/$repo/manifests/$tag"
  echo "images: pushed $repo:$tag" >&2
}

R="$W/root"
rm -rf "$R"; mkdir -p "$R"

mkdir -p "$R/pause/bin"; cp /bin/busybox "$R/pause/bin/busybox"
image he-cl/pause 1 "$R/pause" '["/bin/busybox","sleep","2147483647"]'

busybox_root "$R/busybox"
image he-cl/busybox 1 "$R/busybox" '["/bin/sh"]'

busybox_root "$R/curl"
mkdir -p "$R/curl/usr/bin"; cp /usr/bin/curl "$R/curl/usr/bin/curl"
for lib in $(ldd /usr/bin/curl | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
  mkdir -p "$R/curl$(dirname "$lib")"; cp -L "$lib" "$R/curl$lib"
done
# the dynamic loader's path as curl names it (lib64 -> lib/x86_64-linux-gnu on Debian)
interp="$(readelf -l /usr/bin/curl 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
if [ -n "$interp" ] && [ ! -e "$R/curl$interp" ]; then mkdir -p "$R/curl$(dirname "$interp")"; cp -L "$interp" "$R/curl$interp"; fi
image he-cl/curl 1 "$R/curl" '["/bin/sh"]'

# a binary and what the dynamic loader needs for it (its libraries and the loader itself), under a root
with_libs() { # ROOT BINARY
  for lib in $(ldd "$2" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
    mkdir -p "$1$(dirname "$lib")"; cp -L "$lib" "$1$lib"
  done
  interp="$(readelf -l "$2" 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
  if [ -n "$interp" ] && [ ! -e "$1$interp" ]; then mkdir -p "$1$(dirname "$interp")"; cp -L "$interp" "$1$interp"; fi
}

# the program's image: no shell, as the real one (distroless) has none
node_bin="$(command -v node)"
mkdir -p "$R/he/usr/local/bin" "$R/he/app" "$R/he/tmp" "$R/he/etc"
cp -L "$node_bin" "$R/he/usr/local/bin/node"
with_libs "$R/he" "$node_bin"
cp "$BUNDLE" "$R/he/app/harbor-edge.mjs"
printf 'root:x:0:0:root:/:/nonexistent\nnonroot:x:10000:10000:nonroot:/:/nonexistent\n' > "$R/he/etc/passwd"
printf 'root:x:0:\nnonroot:x:10000:\n' > "$R/he/etc/group"
chmod 1777 "$R/he/tmp"
[ -e "$R/he/etc/ssl/certs/ca-certificates.crt" ] || { mkdir -p "$R/he/etc/ssl/certs"; cp -L /etc/ssl/certs/ca-certificates.crt "$R/he/etc/ssl/certs/" 2>/dev/null || true; }
image he-cl/harbor-edge 1 "$R/he" '["/usr/local/bin/node","/app/harbor-edge.mjs"]'
rm -rf "$R"
