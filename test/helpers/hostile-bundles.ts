// Hostile air-gap bundles for harbor-edge seed: each case writes one bundle (a directory, a tar or a .tar.gz)
// under a given directory and says which refusal it must get. They cover what a security review ran against
// seed: names, symbolic and hard links leaving the bundle, tar size fields that are negative or huge, a gzip
// bomb, digests that are not sha256 (traversal, sha512, missing), content and sizes that do not match their
// descriptors, a cycle of indexes, and manifest.json / index.json / manifests with the wrong types.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { testImage, type TestImage } from "./oci-images.js";
import { writeTar, rawTarEntry, type RawEntry } from "./tar-writer.js";
import { sha256 } from "../../generator/src/registry/distribution.js";

export interface HostileCase {
  name: string;
  /** writes the bundle under `dir`; returns the path to give --bundle */
  make(dir: string): string | Promise<string>;
  /** the refusal on stderr */
  error: RegExp;
  /** extra seed arguments */
  args?: string[];
}

type Files = Array<[string, Buffer | string]>;
const blobName = (d: string) => `blobs/sha256/${d.slice(7)}`;
const NAME = "docker.io/hostile/app:1";

/** An OCI layout of one image, with index.json's entry and the manifest open to changes. */
function layout(
  img: TestImage,
  o: { entry?: (e: Record<string, unknown>) => unknown; manifest?: (m: any) => unknown; layer?: Buffer } = {},
): Files {
  let manifest = img.manifest;
  if (o.manifest) manifest = Buffer.from(JSON.stringify(o.manifest(JSON.parse(img.manifest.toString()))));
  const digest = sha256(manifest);
  const entry: Record<string, unknown> = {
    mediaType: img.mediaType,
    digest,
    size: manifest.length,
    annotations: { "io.containerd.image.name": NAME },
  };
  return [
    ["oci-layout", JSON.stringify({ imageLayoutVersion: "1.0.0" })],
    ["index.json", JSON.stringify({ schemaVersion: 2, manifests: [o.entry ? o.entry(entry) : entry] })],
    [blobName(digest), manifest],
    [blobName(img.config.digest), img.config.data],
    [blobName(img.layer.digest), o.layer ?? img.layer.data],
  ];
}

function writeDir(dir: string, files: Files): string {
  for (const [name, data] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
  return dir;
}

function dockerSave(o: { layers?: unknown; config?: unknown; tags?: unknown } = {}): Files {
  const layer = writeTar([["etc/hello", "hostile\n"]]);
  const config = JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha256(layer)] } });
  return [
    [
      "manifest.json",
      JSON.stringify([{ Config: o.config ?? "config.json", RepoTags: o.tags ?? [NAME], Layers: o.layers ?? ["layer.tar"] }]),
    ],
    ["config.json", config],
    ["layer.tar", layer],
  ];
}

/** A tar of the layout's files with extra raw entries appended (a later entry of the same name wins). */
const tarOf = (files: Files, extra: RawEntry[] = []) => writeTar([...files.map(([n, b]): RawEntry => ({ name: n, body: b })), ...extra]);

export function hostileCases(): HostileCase[] {
  const img = testImage("hostile");
  const ok = layout(img);
  return [
    {
      name: "docker save: a layer path climbing out (../../../../etc/hostname)",
      make: (dir) => writeDir(path.join(dir, "b"), dockerSave({ layers: ["../../../../etc/hostname", "layer.tar"] })),
      error: /b: manifest\.json entry 0\.Layers\[0\] "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname" leaves the bundle/,
    },
    {
      name: "docker save: a layer that is a symbolic link to a file outside",
      make: (dir) => {
        const b = writeDir(path.join(dir, "b"), dockerSave({ layers: ["link.tar"] }));
        fs.symlinkSync("/etc/hostname", path.join(b, "link.tar"));
        return b;
      },
      error: /link\.tar: the manifest\.json entry 0\.Layers\[0\] leaves the bundle: it resolves to \/etc\/hostname/,
    },
    {
      name: "directory: a layer that is a hard link to a file outside",
      make: (dir) => {
        const outside = path.join(dir, "outside-secret");
        fs.writeFileSync(outside, "secret\n");
        const b = writeDir(path.join(dir, "b"), dockerSave({ layers: ["hard.tar"] }));
        fs.linkSync(outside, path.join(b, "hard.tar"));
        return b;
      },
      error: /hard\.tar: the manifest\.json entry 0\.Layers\[0\] is a hard link to a file outside the bundle \(2 links, 1 of them inside/,
    },
    {
      name: "OCI: a digest that is a path (../../../../tmp/x:abcdef)",
      make: (dir) => writeDir(path.join(dir, "b"), layout(img, { entry: (e) => ({ ...e, digest: "../../../../tmp/x:abcdef" }) })),
      error: /index\.json: manifests\[0\]\.digest is "\.\.\/\.\.\/\.\.\/\.\.\/tmp\/x:abcdef": not a digest/,
    },
    {
      name: "OCI: a sha512 digest",
      make: (dir) =>
        writeDir(
          path.join(dir, "b"),
          layout(img, { manifest: (m) => ({ ...m, layers: [{ ...m.layers[0], digest: `sha512:${"a".repeat(128)}` }] }) }),
        ),
      error: /layers\[0\]\.digest is "sha512:a+": not a digest .*\(sha512 is not supported/,
    },
    {
      name: "OCI: an index entry with no digest",
      make: (dir) => writeDir(path.join(dir, "b"), layout(img, { entry: ({ digest: _d, ...e }) => e })),
      error: /index\.json: manifests\[0\]\.digest is missing: not a digest/,
    },
    {
      name: "OCI: a layer whose content does not match its digest",
      make: (dir) => writeDir(path.join(dir, "b"), layout(img, { layer: Buffer.from(img.layer.data).fill(7, 0, 10) })),
      error: /layers\[0\]\.digest is sha256:[0-9a-f]{64} but the content of .* has the digest sha256:[0-9a-f]{64} \(digest mismatch/,
    },
    {
      name: "OCI: a layer whose descriptor gives another size",
      make: (dir) =>
        writeDir(
          path.join(dir, "b"),
          layout(img, { manifest: (m) => ({ ...m, layers: [{ ...m.layers[0], size: m.layers[0].size + 1 }] }) }),
        ),
      error: /layers\[0\]\.size is \d+ but .* has \d+ bytes \(size mismatch\)/,
    },
    {
      name: "OCI: an index that lists itself (a cycle)",
      make: (dir) => {
        // the index names its own digest: it cannot hash to it, but the cycle is what is named
        const self = `sha256:${"c".repeat(64)}`;
        const body = JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest: self, size: 0 }],
        });
        const files: Files = [
          ["oci-layout", JSON.stringify({ imageLayoutVersion: "1.0.0" })],
          [
            "index.json",
            JSON.stringify({
              schemaVersion: 2,
              manifests: [
                {
                  mediaType: "application/vnd.oci.image.index.v1+json",
                  digest: self,
                  size: body.length,
                  annotations: { "io.containerd.image.name": NAME },
                },
              ],
            }),
          ],
          [blobName(self), body],
        ];
        return writeDir(path.join(dir, "b"), files);
      },
      error: /manifests\[0\]\.digest sha256:c{64} is an index that contains itself \(a cycle of indexes\)/,
    },
    {
      name: "docker save: manifest.json whose Layers is a string",
      make: (dir) => writeDir(path.join(dir, "b"), dockerSave({ layers: "layer.tar" })),
      error: /manifest\.json: entry 0\.Layers is "layer\.tar": not a list/,
    },
    {
      name: "docker save: manifest.json that is an object",
      make: (dir) => writeDir(path.join(dir, "b"), [["manifest.json", JSON.stringify({ Config: "x" })]]),
      error: /manifest\.json: the top level is .*: not a list/,
    },
    {
      name: "OCI: index.json whose manifests is an object",
      make: (dir) => writeDir(path.join(dir, "b"), [ok[0], ["index.json", JSON.stringify({ schemaVersion: 2, manifests: { a: 1 } })]]),
      error: /index\.json: manifests is \{"a":1\}: not a list/,
    },
    {
      name: "OCI: a manifest whose layer size is a string",
      make: (dir) =>
        writeDir(
          path.join(dir, "b"),
          layout(img, { manifest: (m) => ({ ...m, layers: [{ ...m.layers[0], size: String(m.layers[0].size) }] }) }),
        ),
      error: /layers\[0\]\.size is "\d+": not a size in bytes/,
    },
    {
      name: "tar: a size field of -0000001000",
      make: (dir) => {
        const f = path.join(dir, "neg.tar");
        fs.writeFileSync(
          f,
          Buffer.concat([rawTarEntry({ name: "index.json", body: "x".repeat(600), sizeField: "-0000001000", bodyBytes: 600 }), tarOf(ok)]),
        );
        return f;
      },
      error: /neg\.tar: tar entry "index\.json" at byte 0: size field "-0000001000" is negative/,
    },
    {
      name: "tar: a size field of 8 GiB in a small file",
      make: (dir) => {
        const f = path.join(dir, "huge.tar");
        fs.writeFileSync(
          f,
          Buffer.concat([rawTarEntry({ name: "blob", body: "x", sizeField: "77777777777", bodyBytes: 1 }), Buffer.alloc(1024)]),
        );
        return f;
      },
      error: /huge\.tar: tar entry "blob" at byte 0 claims 8589934591 bytes; the file has \d+ left/,
    },
    {
      name: "tar: an entry named ../../etc/cron.d/x",
      make: (dir) => {
        const f = path.join(dir, "climb.tar");
        fs.writeFileSync(f, tarOf(ok, [{ name: "../../etc/cron.d/x", body: "x" }]));
        return f;
      },
      error: /climb\.tar: tar entry "\.\.\/\.\.\/etc\/cron\.d\/x" leaves the archive/,
    },
    {
      name: "tar: a blob that is a symbolic link to /etc/hostname",
      make: (dir) => {
        const f = path.join(dir, "symlink.tar");
        fs.writeFileSync(f, tarOf(ok.slice(0, 4), [{ name: blobName(img.layer.digest), type: "2", linkname: "/etc/hostname" }]));
        return f;
      },
      error: /symlink\.tar: symbolic link blobs\/sha256\/[0-9a-f]{64} -> "\/etc\/hostname" leaves the archive/,
    },
    {
      name: "tar: a blob that is a symbolic link climbing out (../../../../etc/hostname)",
      make: (dir) => {
        const f = path.join(dir, "symlink-rel.tar");
        fs.writeFileSync(f, tarOf(ok.slice(0, 4), [{ name: blobName(img.layer.digest), type: "2", linkname: "../../../../etc/hostname" }]));
        return f;
      },
      error: /symlink-rel\.tar: symbolic link blobs\/sha256\/[0-9a-f]{64} -> "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname" leaves the archive/,
    },
    {
      name: "tar: a blob that is a hard link to /etc/hostname",
      make: (dir) => {
        const f = path.join(dir, "hardlink.tar");
        fs.writeFileSync(f, tarOf(ok.slice(0, 4), [{ name: blobName(img.layer.digest), type: "1", linkname: "/etc/hostname" }]));
        return f;
      },
      error: /hardlink\.tar: hard link blobs\/sha256\/[0-9a-f]{64} -> "\/etc\/hostname" leaves the archive/,
    },
    {
      name: "tar: a blob that is a hard link to a name not in the archive",
      make: (dir) => {
        const f = path.join(dir, "hardlink-missing.tar");
        fs.writeFileSync(f, tarOf(ok.slice(0, 4), [{ name: blobName(img.layer.digest), type: "1", linkname: "etc/hostname" }]));
        return f;
      },
      error: /hardlink-missing\.tar: hard link blobs\/sha256\/[0-9a-f]{64} -> "etc\/hostname": no regular file of that name before it/,
    },
    {
      name: "tar.gz: a gzip bomb (256 MiB of zeros in a 256 KiB archive) against --max-bytes 64M",
      make: async (dir) => {
        const f = path.join(dir, "bomb.tar.gz");
        const gz = zlib.createGzip({ level: 9 });
        const out = fs.createWriteStream(f);
        gz.pipe(out);
        gz.write(tarOf(ok));
        const zeros = Buffer.alloc(1 << 20);
        for (let i = 0; i < 256; i++) if (!gz.write(zeros)) await new Promise<void>((r) => gz.once("drain", () => r()));
        gz.end();
        await new Promise<void>((r) => out.on("close", () => r()));
        return f;
      },
      args: ["--max-bytes", "64M"],
      error: /bomb\.tar\.gz: unpacks to more than 67108864 bytes \(--max-bytes\): refused as a gzip bomb/,
    },
  ];
}
