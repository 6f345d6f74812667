// The test Harbor's proxy projects behave as Harbor 2.15.1's do (src/server/middleware/repoproxy/proxy.go,
// src/controller/proxy/*.go, src/server/middleware/v2auth/auth.go): the tests that rely on it would prove
// nothing otherwise.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../helpers/docker-registry.js";
import { startFakeHarborProxy, type FakeHarborProxy } from "../fakes/harbor-proxy.js";
import { testImage, testIndex, pushImage } from "../helpers/oci-images.js";
import { Registry, MANIFEST_ACCEPT } from "../../generator/src/registry/distribution.js";

const why = registryUnavailable();
if (why) process.stderr.write(`\nNOT RUN: test/project/fake-harbor-proxy.test.ts: ${why}\n\n`);
const PW = "Proxy-Pass-1";
const nginx = testImage("proxy nginx");
const multi = testIndex("proxy multi", ["linux/amd64", "linux/arm64"]);
let upstream: RunningRegistry;
let storage: RunningRegistry;
let harbor: FakeHarborProxy;
const admin = () => new Registry({ url: harbor.url, username: "admin", password: PW });
const local = () => new Registry({ url: storage.url });

describe.skipIf(Boolean(why))("the test Harbor's proxy-cache projects", () => {
  beforeAll(async () => {
    upstream = await startRegistry("proxy-up");
    storage = await startRegistry("proxy-storage");
    await pushImage(new Registry({ url: upstream.url }), "library/nginx", "1.25", nginx);
    await pushImage(new Registry({ url: upstream.url }), "team/multi", "1", multi);
    harbor = await startFakeHarborProxy({
      adminPassword: PW,
      storage: storage.url,
      intervalMs: 300,
      projects: [
        { name: "docker.io", public: true, upstream: upstream.url },
        { name: "private", public: false },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await harbor?.settled();
    await harbor?.close();
    await upstream?.close();
    await storage?.close();
  });

  it("/v2 with no Authorization header: 401 and a Bearer challenge to /service/token, even for a public project; an anonymous token then pulls", async () => {
    const r = await fetch(`${harbor.url}/v2/docker.io/library/nginx/manifests/1.25`, { method: "HEAD" });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe(
      `Bearer realm="${harbor.url}/service/token",service="harbor-registry",scope="repository:docker.io/library/nginx:pull"`,
    );
    const anon = new Registry({ url: harbor.url });
    expect((await anon.getManifest("docker.io/library/nginx", "1.25"))!.body).toEqual(nginx.manifest);
    // private: anonymous may not
    const p = await anon.send("GET", "/v2/private/x/manifests/1", "repository:private/x:pull");
    expect(p.status).toBe(401);
  });

  it("a push to a proxy-cache project is refused: 403 DENIED", async () => {
    const r = await admin().send("POST", "/v2/docker.io/library/nginx/blobs/uploads/", "repository:docker.io/library/nginx:pull,push");
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body.toString()).errors[0]).toEqual({
      code: "DENIED",
      message: "can not push artifact to a proxy project: docker.io",
    });
  });

  it("a manifest GET is answered at once and cached later: after its blobs, or after Harbor fetched them itself", async () => {
    const t0 = Date.now();
    expect((await admin().getManifest("docker.io/library/nginx", "1.25"))!.body).toEqual(nginx.manifest);
    expect(await local().manifestExists("docker.io/library/nginx", "1.25")).toBeUndefined();
    await harbor.settled();
    // no blob was pulled by the client: Harbor waited its 10 intervals, then fetched them from the upstream
    expect(Date.now() - t0).toBeGreaterThanOrEqual(10 * 300);
    expect(await local().manifestExists("docker.io/library/nginx", "1.25")).toBe(nginx.digest);
    expect(await local().manifestExists("docker.io/library/nginx", nginx.digest)).toBe(nginx.digest);
    for (const b of nginx.blobs) expect(harbor.upstreamRequests).toContain(`GET /v2/library/nginx/blobs/${b.digest}`);
  });

  it("an index is stored re-written with the children that were pulled, under the tag", async () => {
    const r = admin();
    await r.getManifest("docker.io/team/multi", "1");
    await r.getManifest("docker.io/team/multi", multi.children[0].digest);
    for (const b of multi.children[0].blobs) await r.getBlob("docker.io/team/multi", b.digest);
    await harbor.settled();
    const stored = (await local().getManifest("docker.io/team/multi", "1"))!;
    expect(stored.digest).not.toBe(multi.digest);
    expect(JSON.parse(stored.body.toString()).manifests.map((m: any) => m.digest)).toEqual([multi.children[0].digest]);
    // the artifacts API shows it with that one child, the repository name encoded twice
    const a = await fetch(`${harbor.url}/api/v2.0/projects/docker.io/repositories/team%252Fmulti/artifacts/1`);
    expect(a.status).toBe(200);
    expect((await a.json()).references.map((x: any) => x.platform.architecture)).toEqual(["amd64"]);
    // encoded once, the path matches no route in Harbor
    expect((await fetch(`${harbor.url}/api/v2.0/projects/docker.io/repositories/team%2Fmulti/artifacts/1`)).status).toBe(404);
    expect(harbor.violations.splice(0)).toEqual([
      "GET /projects/docker.io/repositories/team%2Fmulti/artifacts/1: repository name encoded once (Harbor needs a%252Fb)",
    ]);
  });

  it("upstream cut: what is held is served from Harbor, what is not is 404", async () => {
    await upstream.stop();
    try {
      const got = await admin().send("GET", "/v2/docker.io/library/nginx/manifests/1.25", "repository:docker.io/library/nginx:pull", {
        headers: { accept: MANIFEST_ACCEPT },
      });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(nginx.manifest);
      expect(await admin().getBlob("docker.io/library/nginx", nginx.blobs[1].digest)).toEqual(nginx.blobs[1].data);
      expect(await admin().getManifest("docker.io/library/nginx", "1.26")).toBeUndefined();
    } finally {
      await upstream.start();
    }
  });
});
