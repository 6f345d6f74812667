// harbor-edge seed against hostile bundles (helpers/hostile-bundles.ts) and a large layer, with Debian's real
// docker-registry as the target. Each hostile bundle: exit 1, its named refusal, nothing in the registry, within
// 5 s and 150 MB peak RSS (the child's, by /usr/bin/time when present) with a 64 MB V8 heap. The large layer
// (LAYER_MIB, default 320 MiB, written to disk in 1 MiB pieces) is seeded by a child whose V8 heap is limited
// to 64 MB: it can only pass by streaming.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { BIN } from "../helpers/cli.js";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../helpers/docker-registry.js";
import { hostileCases } from "../helpers/hostile-bundles.js";
import { Registry, sha256 } from "../../generator/src/registry/distribution.js";
import { runProcess } from "../helpers/process.js";

const why = registryUnavailable();
if (why) process.stderr.write(`\nNOT RUN: test/seed/hostile-bundles.test.ts: ${why}\n\n`);
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const HOSTILE_MS = 5_000;
const RSS_LIMIT_KB = 150 * 1024;
const LAYER_MIB = Number(process.env.SEED_TEST_LAYER_MIB ?? 320);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "seed-hostile-"));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** seed in a child with a 64 MB heap; its peak RSS (KiB) when /usr/bin/time is there. */
async function seed(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; ms: number; rssKb?: number }> {
  const node = [process.execPath, "--max-old-space-size=64", BIN, "seed", ...args];
  const cmd = TIME ? [TIME, "-f", "PEAK_RSS_KB %M", ...node] : node;
  const t0 = Date.now();
  const r = await runProcess(cmd[0], cmd.slice(1), { env: { ...process.env, SEED_PW: "unused", ...env } });
  const { code, stdout } = r;
  let stderr = r.stderr;
  const m = /PEAK_RSS_KB (\d+)\n?$/.exec(stderr);
  if (m) stderr = stderr.slice(0, m.index);
  // /usr/bin/time says "Command exited with non-zero status N" before its line
  stderr = stderr.replace(/Command exited with non-zero status \d+\n$/, "");
  return { code, stdout, stderr, ms: Date.now() - t0, rssKb: m ? Number(m[1]) : undefined };
}

describe.skipIf(Boolean(why))("harbor-edge seed refuses hostile bundles and streams large ones", () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry("seed-hostile");
  });
  afterAll(async () => {
    await reg?.close();
  });
  const catalog = async () => ((await (await fetch(`${reg.url}/v2/_catalog`)).json()) as { repositories: string[] }).repositories;

  for (const c of hostileCases()) {
    it(`refuses ${c.name}`, async () => {
      const dir = tmp();
      dirs.push(dir);
      const bundle = await c.make(dir);
      // its own temporary directory: what seed unpacks there must be gone afterwards
      const scratch = path.join(dir, "scratch");
      fs.mkdirSync(scratch);
      const r = await seed(["--bundle", bundle, "--harbor", reg.url, "--password-env", "SEED_PW", ...(c.args ?? [])], { TMPDIR: scratch });
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stderr).toMatch(c.error);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(await catalog()).toEqual([]);
      expect(r.ms).toBeLessThan(HOSTILE_MS);
      if (r.rssKb !== undefined) expect(r.rssKb).toBeLessThan(RSS_LIMIT_KB);
      expect(fs.readdirSync(scratch)).toEqual([]);
    });
  }

  it(
    `a ${LAYER_MIB} MiB layer is seeded by a child with a 64 MB heap (streamed, hashed on the way), also chunked`,
    { timeout: 120_000 },
    async () => {
      const dir = tmp();
      dirs.push(dir);
      const blobs = path.join(dir, "blobs", "sha256");
      fs.mkdirSync(blobs, { recursive: true });
      // the layer, written in 1 MiB pieces (each different) and hashed as written: never whole in memory
      const part = crypto.randomBytes(1 << 20);
      const h = crypto.createHash("sha256");
      const tmpLayer = path.join(dir, "layer.tmp");
      const fd = fs.openSync(tmpLayer, "w");
      for (let i = 0; i < LAYER_MIB; i++) {
        part.writeUInt32BE(i, 0);
        h.update(part);
        fs.writeSync(fd, part);
      }
      fs.closeSync(fd);
      const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${h.digest("hex")}`, size: LAYER_MIB << 20 };
      fs.renameSync(tmpLayer, path.join(blobs, layer.digest.slice(7)));
      const configBody = Buffer.from(
        JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.digest] } }),
      );
      const config = { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(configBody), size: configBody.length };
      fs.writeFileSync(path.join(blobs, config.digest.slice(7)), configBody);
      const manifest = Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer] }),
      );
      fs.writeFileSync(path.join(blobs, sha256(manifest).slice(7)), manifest);
      fs.writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
      const entry = (name: string) => ({
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: sha256(manifest),
        size: manifest.length,
        annotations: { "io.containerd.image.name": name },
      });
      fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [entry("docker.io/big/layer:1")] }));

      const r = await seed(["--bundle", dir, "--harbor", reg.url, "--password-env", "SEED_PW", "--json"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ blobsUploaded: 2, bytesUploaded: layer.size + config.size, manifests: 1 });
      process.stdout.write(
        `  seeded a ${LAYER_MIB} MiB layer in ${(r.ms / 1000).toFixed(1)} s (${(LAYER_MIB / (r.ms / 1000)).toFixed(0)} MiB/s with checking)${r.rssKb ? `, peak RSS ${(r.rssKb / 1024).toFixed(0)} MB` : ""}\n`,
      );
      if (r.rssKb !== undefined) expect(r.rssKb).toBeLessThan(RSS_LIMIT_KB);
      const head = await fetch(`${reg.url}/v2/spectro-images/docker.io/big/layer/blobs/${layer.digest}`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(Number(head.headers.get("content-length"))).toBe(layer.size);
      expect((await new Registry({ url: reg.url }).getManifest("spectro-images/docker.io/big/layer", "1"))!.digest).toBe(sha256(manifest));

      // chunked (PATCH of 64 MiB pieces, each a stream of the file's range) into another repository
      fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [entry("docker.io/big/chunked:1")] }));
      const c = await seed(["--bundle", dir, "--harbor", reg.url, "--password-env", "SEED_PW", "--json", "--chunk-size", String(64 << 20)]);
      expect(c.stderr).toBe("");
      expect(c.code).toBe(0);
      expect(JSON.parse(c.stdout).requests).toBeGreaterThan(LAYER_MIB / 64);
      if (c.rssKb !== undefined) expect(c.rssKb).toBeLessThan(RSS_LIMIT_KB);
      const chunked = await fetch(`${reg.url}/v2/spectro-images/docker.io/big/chunked/blobs/${layer.digest}`, { method: "HEAD" });
      expect(chunked.status).toBe(200);
    },
  );
});
