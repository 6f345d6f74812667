// harbor-edge seed --bundle: OCI image layouts and docker save archives (directories and tars) pushed under
// Palette's layout. Push semantics against Debian's real docker-registry; Harbor's token authentication,
// projects and refusals against the test Harbor in front of such a registry.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import yaml from "js-yaml";
import { BIN } from "../helpers/cli.js";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../helpers/docker-registry.js";
import { startFakeHarborProxy } from "../fakes/harbor-proxy.js";
import { testImage, testIndex, type TestImage, type TestIndex } from "../helpers/oci-images.js";
import { writeTar } from "../helpers/tar-writer.js";
import { Registry, sha256 } from "../../generator/src/registry/distribution.js";
import { loadBundle } from "../../generator/src/seed/bundle.js";
import { parseReference, formatReference } from "../../generator/src/registry/reference.js";
import { runProcess } from "../helpers/process.js";

const why = registryUnavailable();
if (why) process.stderr.write(`\nNOT RUN: test/seed/push.test.ts (registry parts): ${why}\n\n`);
const PASSWORD = "Seed-Pass-1";
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "seed-test-"));

/** Files of an OCI image layout holding the given images, named by annotation. */
function ociLayout(
  entries: Array<{ name: string; image: TestImage | TestIndex; annotation?: "containerd" | "ref" }>,
  o: { dropChild?: string } = {},
): Array<[string, Buffer]> {
  const files = new Map<string, Buffer>();
  const put = (digest: string, b: Buffer) => files.set(`blobs/sha256/${digest.slice(7)}`, b);
  const putImage = (i: TestImage) => {
    put(i.digest, i.manifest);
    for (const b of i.blobs) put(b.digest, b.data);
  };
  const manifests = entries.map(({ name, image, annotation }) => {
    if ("children" in image) {
      put(image.digest, image.manifest);
      for (const c of image.children) if (c.digest !== o.dropChild) putImage(c);
    } else putImage(image);
    const annotations =
      annotation === "ref"
        ? { "org.opencontainers.image.ref.name": name }
        : { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.split(":").pop()! };
    return { mediaType: image.mediaType, digest: image.digest, size: image.manifest.length, annotations };
  });
  files.set("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
  files.set(
    "index.json",
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests })),
  );
  return [...files.entries()];
}

/** A docker save archive's files: manifest.json, the config file, uncompressed layer tars. */
function dockerSave(tags: string[], seed: string): { files: Array<[string, Buffer]>; config: Buffer; layer: Buffer } {
  const layer = writeTar([["etc/hello", Buffer.from(`${seed}\n`)]]);
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha256(layer)] } }));
  const id = sha256(config).slice(7);
  return {
    config,
    layer,
    files: [
      ["manifest.json", Buffer.from(JSON.stringify([{ Config: `${id}.json`, RepoTags: tags, Layers: [`${id.slice(0, 12)}/layer.tar`] }]))],
      [`${id}.json`, config],
      [`${id.slice(0, 12)}/layer.tar`, layer],
    ],
  };
}

function writeDir(dir: string, files: Array<[string, Buffer]>) {
  for (const [name, data] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
}

async function seed(args: string[], env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await runProcess(process.execPath, [BIN, "seed", ...args], { env: { ...process.env, ...env } });
  return { code, stdout, stderr };
}

describe("image references and Palette's layout", () => {
  it("short names are docker.io/library; tags default to latest; digests stay", () => {
    const d = `sha256:${"b".repeat(64)}`;
    expect(formatReference(parseReference("nginx"))).toBe("docker.io/library/nginx:latest");
    expect(formatReference(parseReference("nginx:1.25"))).toBe("docker.io/library/nginx:1.25");
    expect(formatReference(parseReference("bitnami/redis:7"))).toBe("docker.io/bitnami/redis:7");
    expect(formatReference(parseReference("index.docker.io/library/nginx:1.25"))).toBe("docker.io/library/nginx:1.25");
    expect(formatReference(parseReference(`quay.io/org/app@${d}`))).toBe(`quay.io/org/app@${d}`);
    expect(formatReference(parseReference(`registry.lan:5000/a/b:1@${d}`))).toBe(`registry.lan:5000/a/b:1@${d}`);
    expect(formatReference(parseReference("localhost/x:1"))).toBe("localhost/x:1");
    expect(() => parseReference("Nginx:1")).toThrow(/not a repository path/);
  });

  it("seed --help prints help (exit 0)", async () => {
    const h = await seed(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--bundle <dir>/);
  });

  it("a bundle whose OCI entry is named by a bare tag is refused, naming the entry; an archive of something else too", async () => {
    const img = testImage("bare");
    const dir = tmp();
    writeDir(dir, ociLayout([{ name: "1.25", image: img, annotation: "ref" }]));
    await expect(loadBundle(dir)).rejects.toThrow(/index\.json entry 0 is named only "1\.25" \(a tag\)/);
    const other = path.join(tmp(), "notes.tar");
    fs.writeFileSync(other, writeTar([["README", "hello"]]));
    await expect(loadBundle(other)).rejects.toThrow(/notes\.tar: neither an OCI image layout .* nor a docker save archive/);
    const none = tmp();
    await expect(loadBundle(none)).rejects.toThrow(/no image found/);
  });
});

describe.skipIf(Boolean(why))("harbor-edge seed", () => {
  let plain: RunningRegistry;
  beforeAll(async () => {
    plain = await startRegistry("seed-plain");
    closers.push(plain.close);
  });

  it("OCI layouts (directory and tar.gz) and docker save archives (tar and directory) land in Palette's layout, digests kept; a rerun uploads nothing", async () => {
    const nginx = testImage("seed nginx");
    const multi = testIndex("seed multi", ["linux/amd64", "linux/arm64"]);
    const pause = testImage("seed pause", { docker: true });
    const bundle = tmp();
    writeDir(
      path.join(bundle, "layout"),
      ociLayout([
        { name: "docker.io/library/nginx:1.25", image: nginx },
        { name: "ghcr.io/org/multi:2", image: multi, annotation: "ref" },
      ]),
    );
    fs.writeFileSync(
      path.join(bundle, "pause.tar.gz"),
      (await import("node:zlib")).gzipSync(writeTar(ociLayout([{ name: "registry.k8s.io/pause:3.9", image: pause }]))),
    );
    const saved = dockerSave(["redis:7", "quay.io/org/redis:7"], "seed redis");
    fs.writeFileSync(path.join(bundle, "redis.tar"), writeTar(saved.files));
    const savedDir = dockerSave(["busybox:1"], "seed busybox");
    writeDir(path.join(bundle, "busybox"), savedDir.files);

    const r = await seed(["--bundle", bundle, "--harbor", plain.url, "--password-env", "SEED_PW", "--json"], { SEED_PW: "unused" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.images.map((i: any) => i.target).sort()).toEqual(
      [
        "spectro-images/docker.io/library/busybox:1",
        "spectro-images/docker.io/library/nginx:1.25",
        "spectro-images/docker.io/library/redis:7",
        "spectro-images/ghcr.io/org/multi:2",
        "spectro-images/quay.io/org/redis:7",
        "spectro-images/registry.k8s.io/pause:3.9",
      ].sort(),
    );
    const reg = new Registry({ url: plain.url });
    // the OCI layouts' manifests keep their digests: a pod pinned by digest still finds them
    expect((await reg.getManifest("spectro-images/docker.io/library/nginx", "1.25"))!.digest).toBe(nginx.digest);
    expect((await reg.getManifest("spectro-images/ghcr.io/org/multi", "2"))!.digest).toBe(multi.digest);
    for (const c of multi.children) expect(await reg.manifestExists("spectro-images/ghcr.io/org/multi", c.digest)).toBe(c.digest);
    expect((await reg.getManifest("spectro-images/registry.k8s.io/pause", "3.9"))!.digest).toBe(pause.digest);
    // docker save: its config and layer as they were
    const m = JSON.parse((await reg.getManifest("spectro-images/docker.io/library/redis", "7"))!.body.toString());
    expect(m.config.digest).toBe(sha256(saved.config));
    expect(m.layers.map((l: any) => l.mediaType)).toEqual(["application/vnd.oci.image.layer.v1.tar"]);
    expect(await reg.getBlob("spectro-images/docker.io/library/redis", m.layers[0].digest)).toEqual(saved.layer);
    expect(out.blobsUploaded).toBeGreaterThan(0);

    const again = await seed(["--bundle", bundle, "--harbor", plain.url, "--password-env", "SEED_PW", "--json"], { SEED_PW: "unused" });
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second).toMatchObject({ blobsUploaded: 0, bytesUploaded: 0, manifests: 0, unchanged: 6 });
    // one manifest HEAD per image
    expect(second.requests).toBe(6);
    expect(second.images.every((i: any) => i.note === "already there")).toBe(true);
  });

  it("chunked uploads (PATCH with Content-Range, then PUT) give the same blob", async () => {
    const big = testImage("seed big", { layerBytes: 300_000 });
    const bundle = tmp();
    writeDir(bundle, ociLayout([{ name: "docker.io/team/big:1", image: big }]));
    const r = await seed(["--bundle", bundle, "--harbor", plain.url, "--password-env", "SEED_PW", "--chunk-size", "4096", "--json"], {
      SEED_PW: "x",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const layer = big.blobs[1];
    expect(layer.data.length).toBeGreaterThan(4096);
    expect(await new Registry({ url: plain.url }).getBlob("spectro-images/docker.io/team/big", layer.digest)).toEqual(layer.data);
    // one request per chunk at least
    expect(JSON.parse(r.stdout).requests).toBeGreaterThan(Math.floor(layer.data.length / 4096));
  });

  it("an index whose bundle lacks a platform: the platforms it has, in an index of those, said so", async () => {
    const multi = testIndex("seed partial", ["linux/amd64", "linux/arm64"]);
    const bundle = tmp();
    writeDir(bundle, ociLayout([{ name: "docker.io/team/partial:1", image: multi }], { dropChild: multi.children[1].digest }));
    const r = await seed(["--bundle", bundle, "--harbor", plain.url, "--password-env", "SEED_PW"], { SEED_PW: "x" });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /docker\.io\/team\/partial:1 -> spectro-images\/docker\.io\/team\/partial:1 \(the bundle holds 1 of the index's 2 platforms/,
    );
    const stored = JSON.parse(
      (await new Registry({ url: plain.url }).getManifest("spectro-images/docker.io/team/partial", "1"))!.body.toString(),
    );
    expect(stored.manifests.map((x: any) => x.digest)).toEqual([multi.children[0].digest]);
  });

  describe("against Harbor", () => {
    let storage: RunningRegistry;
    let harborUrl: string;
    let harbor: Awaited<ReturnType<typeof startFakeHarborProxy>>;
    beforeAll(async () => {
      storage = await startRegistry("seed-storage");
      harbor = await startFakeHarborProxy({
        adminPassword: PASSWORD,
        storage: storage.url,
        projects: [
          { name: "spectro-images", public: false },
          { name: "docker.io", public: true, upstream: plain.url },
        ],
      });
      harborUrl = harbor.url;
      closers.push(storage.close, harbor.close);
    });

    it("Harbor's token flow with the admin password from a secrets file: 401 challenge, token from /service/token, pushes with the token", async () => {
      const img = testImage("seed harbor");
      const bundle = tmp();
      writeDir(bundle, ociLayout([{ name: "nginx:1.27", image: img }]));
      const secrets = path.join(tmp(), "secrets.yaml");
      fs.writeFileSync(secrets, yaml.dump({ secrets: { adminPassword: PASSWORD, coreSecret: "x" } }));
      const before = harbor.requests.length;
      const r = await seed(["--bundle", bundle, "--harbor", harborUrl, "--secrets", secrets]);
      expect(r.stderr).toBe("docker.io/library/nginx:1.27 -> spectro-images/docker.io/library/nginx:1.27\n");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^seeded 1 images into spectro-images \(0 already there\): 2 blobs uploaded \(0\.0 MiB\), 0 blobs already there, 1 manifests; \d+ requests in [\d.]+s\n$/,
      );
      const sent = harbor.requests.slice(before);
      const firstV2 = sent.find((x) => x.path.startsWith("/v2/"))!;
      expect(firstV2.status).toBe(401);
      expect(sent.filter((x) => x.path.startsWith("/service/token"))).toHaveLength(1);
      expect(sent.filter((x) => x.path.startsWith("/v2/") && x.status !== 401).every((x) => x.user === "admin")).toBe(true);
      expect(harbor.violations).toEqual([]);
      expect((await new Registry({ url: storage.url }).getManifest("spectro-images/docker.io/library/nginx", "1.27"))!.digest).toBe(
        img.digest,
      );
    });

    it("a wrong password, a missing project, a proxy-cache project: refused with what to do, exit 1", async () => {
      const bundle = tmp();
      writeDir(bundle, ociLayout([{ name: "nginx:1.28", image: testImage("seed refused") }]));
      const wrong = await seed(["--bundle", bundle, "--harbor", harborUrl, "--password-env", "PW"], { PW: "Wrong-Pass-9" });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toBe("error: Harbor refuses the credentials of admin (HTTP 401)\n");
      const missing = await seed(["--bundle", bundle, "--harbor", harborUrl, "--password-env", "PW", "--project", "absent"], {
        PW: PASSWORD,
      });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^error: Harbor has no project absent: /);
      const proxy = await seed(["--bundle", bundle, "--harbor", harborUrl, "--password-env", "PW", "--project", "docker.io"], {
        PW: PASSWORD,
      });
      expect(proxy.code).toBe(1);
      expect(proxy.stderr).toMatch(/^error: docker\.io is a proxy-cache project: Harbor refuses pushes to it/);
      const noPw = await seed(["--bundle", bundle, "--harbor", harborUrl]);
      expect(noPw.code).toBe(1);
      expect(noPw.stderr).toMatch(/no password/);
      expect(wrong.stderr + missing.stderr).not.toContain(PASSWORD);
    });
  });
});
