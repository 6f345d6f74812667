// The local-cluster tier's scenarios (npm run test:cluster): the full chart on a real Kubernetes 1.20.2 API
// server and kubelet (test/cluster/up.sh), on both packaged helms. Run by run.ts inside the cluster's
// network namespace, so the test Harbor and the DNS stand-in are reachable from the pods.
//
// Harbor's own pods cannot start here: goharbor images cannot be fetched (no route out). The scenarios
// check what a real API server and kubelet decide: every object accepted, pods scheduled onto bound
// volumes, upgrades and uninstalls as helm really performs them, and the configuration Job run as a real
// pod with a locally built stand-in image.
import fs from "node:fs";
import net from "node:net";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELMS } from "../helpers/chart.js";
import { startFakeHarbor } from "../helpers/fake-harbor.js";
import { startDns } from "./dns.js";
import {
  bench, chartDir, cleanupChart, diff, ensureNamespace, getJson, helm, helmAsync, helmOk, keyOf, kubectl, kubectlOk, liveObjects,
  NODE_IP, parseManifest, podStates, secretData, settle, sleep, snapshot, specFile, STAND_IN_IMAGE, valuesFor,
} from "./kube.js";

const RELEASE = "harbor";
const EXAMPLES = ["edge-single-node.yaml", "edge-ha-vip.yaml", "homelab-s3.yaml"];

afterAll(() => cleanupChart());

type H = (typeof HELMS)[number];

/**
 * helm 4 applies server-side by default. Before Kubernetes 1.21 server-side apply refuses a Service or
 * container port without `protocol` (kubernetes/kubernetes#98576), and the upstream chart's ports have none:
 * on 1.20 helm 4 needs --server-side=false (a scenario below keeps that finding checked).
 */
const applyArgs = (h: H) => (h.major >= 4 ? ["--server-side=false"] : []);

/** Installs (or upgrades) without hooks: the configuration Job's pod cannot run Harbor's image here. */
function install(h: H, ns: string, values: string, verb: "install" | "upgrade" = "install", extra: string[] = []) {
  return helm(h, [verb, RELEASE, chartDir(), "-n", ns, "-f", values, "--no-hooks", "--timeout", "2m", ...applyArgs(h), ...extra]);
}

/** NodePorts are cluster-wide: every release gets its own pair (the examples all ask for 30002/30003). */
let nextPort = 30100;
const ports = () => {
  const https = nextPort++, http = nextPort++;
  return { service: { harbor: { https: { nodePort: https }, http: { nodePort: http } } } };
};

/** Deletes namespaces, their pods at once: the pods' CPU requests must free the single node for the next scenarios. */
function dropNamespaces(names: string[]): void {
  const present = names.filter((n) => kubectl(["get", "namespace", n]).code === 0);
  for (const n of present) kubectl(["delete", "pods", "--all", "-n", n, "--grace-period=0", "--force"]);
  if (present.length) kubectl(["delete", "namespace", ...present, "--wait=false"]);
}

/** A per-helm cluster UID (so both helms' registry-info namespaces differ), valid for the schema. */
const uidFor = (h: H, base: string) => `${base.slice(0, 20)}-h${h.major}`;

/** The NodePorts a spec file asks for (changed upgrades keep them). */
const portsOf = (file: string) => (yaml.load(fs.readFileSync(file, "utf8")) as any)["harbor-config"].service;

describe.each(HELMS.map((h) => [`helm ${h.version}`, h] as const))("%s", (_name, h) => {
  const ns = (what: string) => `h${h.major}-${what}`;
  /** the spec file each example was installed with (its own NodePorts), for upgrades and reinstalls */
  const specs: Record<string, string> = {};
  afterAll(() => dropNamespaces(["single-node", "ha-vip", "homelab-s3", "missing-uid", "job", "ssa"].map(ns).concat(`cluster-${uidFor(h, "6650f2a8c1e34b0f9d7a5e21")}`)));

  if (h.major >= 4) {
    it("on Kubernetes 1.20 helm 4's default server-side apply is refused for ports without protocol (hence --server-side=false)", () => {
      const target = ns("ssa");
      ensureNamespace(target);
      const r = helm(h, ["install", RELEASE, chartDir(), "-n", target, "-f", valuesFor(specFile("edge-single-node.yaml", ports())), "--no-hooks", "--timeout", "2m"]);
      console.log(`  helm ${h.version} with server-side apply on 1.20: ${r.stderr.trim().split("\n").pop()}`);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/omits key field "protocol"/);
      helm(h, ["uninstall", RELEASE, "-n", target]);
      dropNamespaces([target]);
    });
  }

  describe("install: the real API server accepts every object of each example", () => {
    for (const example of EXAMPLES) {
      it(example, () => {
        const target = ns(example.replace(/\.yaml$/, "").replace(/^edge-/, ""));
        ensureNamespace(target);
        const uid = example === "edge-ha-vip.yaml" ? uidFor(h, "6650f2a8c1e34b0f9d7a5e21") : "";
        const spec = specFile(example, { ...(uid ? { cluster: { uid } } : {}), ...(example === "homelab-s3.yaml" ? {} : ports()) });
        if (example !== "homelab-s3.yaml") specs[example] = spec;
        if (uid) ensureNamespace(`cluster-${uid}`);
        if (example === "homelab-s3.yaml") {
          // the Secrets this spec names exist before install (External Secrets and the operators make them)
          kubectlOk(["create", "secret", "generic", "harbor-admin-secret", "-n", target, "--from-literal=HARBOR_ADMIN_PASSWORD=Homelab-Passw0rd"]);
        }
        const started = Date.now();
        const r = install(h, target, valuesFor(spec));
        expect(r.stderr, r.stderr).not.toMatch(/Error/);
        expect(r.code).toBe(0);
        const manifest = helmOk(h, ["get", "manifest", RELEASE, "-n", target]);
        const rendered = parseManifest(manifest);
        const live = liveObjects(manifest, target);
        if (example === "edge-single-node.yaml") bench(`install to all objects accepted (${example}, helm ${h.version}): ${((Date.now() - started) / 1000).toFixed(1)} s, ${live.length} objects`);
        expect(live.map((o) => keyOf(o, target)).sort()).toEqual(rendered.map((o) => keyOf(o, target)).sort());
        // the hook objects (not installed by --no-hooks) pass the server's validation and admission
        const hooks = helmOk(h, ["get", "hooks", RELEASE, "-n", target]);
        if (parseManifest(hooks).length) {
          const dry = kubectl(["create", "--dry-run=server", "-n", target, "-f", "-"], hooks);
          expect(dry.stderr).toBe("");
          expect(dry.code).toBe(0);
        }
        if (uid) {
          const info = secretData(`cluster-${uid}`, "registry-info");
          const admin = secretData(target, "harbor-edge-admin");
          expect(info?.SPECTRO_USER).toBe("admin");
          expect(info?.SPECTRO_USER_PASSWORD).toBe(admin?.HARBOR_ADMIN_PASSWORD);
        }
      });
    }

    it("every pod is scheduled onto bound volumes; Harbor's pods wait for images that cannot be fetched here", async () => {
      const target = ns("single-node");
      let pods = podStates(target);
      for (let i = 0; i < 60 && !(pods.length && pods.every((p) => p.scheduled && p.waiting.length)); i++) {
        await sleep(2000);
        pods = podStates(target);
      }
      const pvcs = getJson(["get", "pvc", "-n", target]).items as any[];
      expect(pvcs.length).toBeGreaterThan(0);
      expect(pvcs.filter((p) => p.status.phase !== "Bound").map((p) => p.metadata.name)).toEqual([]);
      expect(pods.filter((p) => !p.scheduled).map((p) => p.name)).toEqual([]);
      console.log(`pods expected to stay in ImagePullBackOff (goharbor images cannot be fetched here), helm ${h.version}:`);
      for (const p of pods) console.log(`  ${p.name}: ${p.waiting.join(", ") || p.phase} (${p.images.join(", ")})`);
      for (const p of pods) {
        expect(p.images.every((i) => i.includes("goharbor/")), p.name).toBe(true);
        expect(p.waiting.every((w) => /ErrImagePull|ImagePullBackOff|ContainerCreating|PodInitializing/.test(w)), `${p.name}: ${p.waiting}`).toBe(true);
      }
    });

    it("a cluster.uid whose namespace does not exist fails the install, naming the namespace", () => {
      const target = ns("missing-uid");
      ensureNamespace(target);
      const uid = uidFor(h, "nonamespace");
      const r = install(h, target, valuesFor(specFile("edge-single-node.yaml", { cluster: { uid }, ...ports() })));
      console.log(`  missing cluster-${uid}, helm ${h.version} says: ${r.stderr.trim().split("\n").filter(Boolean).join(" | ")}`);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`cluster-${uid}`);
      helm(h, ["uninstall", RELEASE, "-n", target]);
      dropNamespaces([target]);
    });
  });

  describe("upgrades", () => {
    const target = ns("single-node");
    const spec = { auth: {}, service: {}, storage: {} } as Record<string, any>;

    it("an unchanged upgrade changes no object", async () => {
      const values = valuesFor(specs["edge-single-node.yaml"]);
      const before = await settle(h, RELEASE, target);
      const r = install(h, target, values, "upgrade");
      expect(r.code, r.stderr).toBe(0);
      await sleep(3000);
      const d = diff(before, snapshot(h, RELEASE, target));
      const hooks = parseManifest(helmOk(h, ["get", "hooks", RELEASE, "-n", target])).map((o) => `${o.kind}/${o.metadata.name}`);
      bench(`unchanged upgrade (helm ${h.version}): ${d.changed.length} of ${Object.keys(before).length} objects changed, ${d.templates.length} pod templates changed`);
      console.log(`  hook objects, recreated on every upgrade by design, not compared: ${hooks.join(", ") || "none"}`);
      if (d.statusOnly.length) console.log(`  status written by controllers meanwhile (same content): ${d.statusOnly.join(", ")}`);
      expect(d.changed).toEqual([]);
      expect(d.templates).toEqual([]);
    });

    // each change on top of the previous ones; `expect` lists the objects the change must touch, and only them
    const changes: Array<{ what: string; change: Record<string, any>; expect: string[] }> = [
      { what: "the admin password", change: { auth: { password: "Changed-Passw0rd-1" } }, expect: ["Secret/harbor-edge-admin"] },
      { what: "the certificate's SANs", change: { auth: { certs: { extraSANs: ["harbor.changed.example"] } } }, expect: ["Secret/harbor-tls"] },
      { what: "a storage size", change: { storage: { registry: 300 } }, expect: ["PersistentVolumeClaim/harbor-edge-registry"] },
      { what: "the service type", change: { service: { serviceType: "LoadBalancer" } }, expect: ["Service/harbor"] },
    ];
    for (const c of changes) {
      it(`changing ${c.what} upgrades with no immutable-field error and changes only what it should`, async () => {
        for (const [k, v] of Object.entries(c.change)) spec[k] = { ...spec[k], ...v };
        const before = await settle(h, RELEASE, target, 15_000);
        const r = install(h, target, valuesFor(specFile("edge-single-node.yaml", { ...spec, service: { ...portsOf(specs["edge-single-node.yaml"]), ...spec.service } })), "upgrade");
        expect(r.stderr).not.toMatch(/immutable|Forbidden|Invalid/);
        expect(r.code, r.stderr).toBe(0);
        await sleep(3000);
        const d = diff(before, snapshot(h, RELEASE, target));
        const changed = d.changed.filter((k) => !k.startsWith("ReplicaSet/")).map((k) => k.replace(`/${target}/`, "/"));
        console.log(`  ${c.what}: changed ${changed.join(", ")}; pod templates changed: ${d.templates.map((k) => k.replace(`/${target}/`, "/")).join(", ") || "none"}`);
        expect(changed.sort()).toEqual([...c.expect].sort());
        // none of these needs a pod restarted (a new ReplicaSet, a new StatefulSet revision)
        expect(d.templates).toEqual([]);
      });
    }
  });

  describe("uninstall keeps the volumes and the kept Secrets; a reinstall adopts them", () => {
    it("same admin password in registry-info, same harbor-tls", () => {
      const target = ns("ha-vip");
      const uid = uidFor(h, "6650f2a8c1e34b0f9d7a5e21");
      const before = { info: secretData(`cluster-${uid}`, "registry-info"), tls: secretData(target, "harbor-tls") };
      expect(before.info?.SPECTRO_USER_PASSWORD).toBeTruthy();
      const kept = (getJson(["get", "secrets", "-n", target]).items as any[])
        .filter((s) => s.metadata.annotations?.["helm.sh/resource-policy"] === "keep")
        .map((s) => s.metadata.name)
        .sort();
      const pvcs = (getJson(["get", "pvc", "-n", target]).items as any[]).map((p) => `${p.metadata.name}:${p.metadata.uid}`).sort();
      expect(kept).toContain("harbor-tls");
      expect(pvcs.length).toBeGreaterThan(0);
      helmOk(h, ["uninstall", RELEASE, "-n", target]);
      expect((getJson(["get", "pvc", "-n", target]).items as any[]).map((p) => `${p.metadata.name}:${p.metadata.uid}`).sort()).toEqual(pvcs);
      const left = (getJson(["get", "secrets", "-n", target]).items as any[]).map((s) => s.metadata.name);
      for (const s of kept) expect(left).toContain(s);
      expect(secretData(`cluster-${uid}`, "registry-info")).toBeUndefined(); // not kept: the release's own

      const r = install(h, target, valuesFor(specs["edge-ha-vip.yaml"]));
      expect(r.code, r.stderr).toBe(0);
      expect(secretData(`cluster-${uid}`, "registry-info")?.SPECTRO_USER_PASSWORD).toBe(before.info?.SPECTRO_USER_PASSWORD);
      expect(secretData(target, "harbor-tls")).toEqual(before.tls);
      expect((getJson(["get", "pvc", "-n", target]).items as any[]).map((p) => `${p.metadata.name}:${p.metadata.uid}`).sort()).toEqual(pvcs);
      // done with these: free the node's CPU for the Job scenario
      dropNamespaces([target, ns("homelab-s3")]);
    });
  });

  describe("the configuration Job as a real pod", () => {
    const target = ns("job");
    const password = "Job-Passw0rd-1";
    let harbor: Awaited<ReturnType<typeof startFakeHarbor>>;
    let door: net.Server;
    let dns: Awaited<ReturnType<typeof startDns>>;

    beforeAll(async () => {
      harbor = await startFakeHarbor({ adminPassword: password });
      const port = Number(new URL(harbor.url).port);
      // the Job reaches http://harbor-core.<namespace>.svc: that name resolves to the node address, where
      // port 80 leads to the test Harbor
      door = net.createServer((c) => {
        const u = net.connect(port, "127.0.0.1");
        c.pipe(u).pipe(c);
        c.on("error", () => u.destroy());
        u.on("error", () => c.destroy());
      });
      await new Promise<void>((r) => door.listen(80, NODE_IP, r));
      dns = await startDns(NODE_IP, { [`harbor-core.${target}.svc.cluster.local`]: NODE_IP });
    });
    afterAll(async () => {
      await harbor?.close();
      if (door) await new Promise((r) => door.close(r));
      await dns?.close();
    });

    /** Waits for a configuration Job (found by its label) that is not one of `seen` to finish. */
    async function nextJob(seen: Set<string>): Promise<any> {
      for (let i = 0; i < 120; i++) {
        const jobs = (getJson(["get", "jobs", "-n", target, "-l", "app.kubernetes.io/component=configure"]).items as any[]).filter((j) => !seen.has(j.metadata.uid));
        const done = jobs.find((j) => j.status.succeeded || j.status.failed);
        if (done) return done;
        await sleep(1000);
      }
      throw new Error("no configuration Job finished within 120 s");
    }

    function jobPod(job: any): any {
      const pods = getJson(["get", "pods", "-n", target, "-l", `job-name=${job.metadata.name}`]).items as any[];
      return pods.find((p) => p.metadata.ownerReferences?.some((o: any) => o.uid === job.metadata.uid));
    }

    it("runs on the kubelet with its security context, env from Secrets and the script from its ConfigMap; a rerun sends no write", async () => {
      console.log(
        `  the Job's image is a stand-in built here (${STAND_IN_IMAGE.repository}:${STAND_IN_IMAGE.tag}: busybox sh + Debian's curl), ` +
          "because goharbor images cannot be fetched; it runs the chart's script as the chart's Job runs it",
      );
      ensureNamespace(target);
      const values = valuesFor(specFile("edge-single-node.yaml", { auth: { password }, ...ports() }));
      const args = [RELEASE, chartDir(), "-n", target, "-f", values, "--timeout", "3m", ...applyArgs(h), "--set", `harbor.core.image.repository=${STAND_IN_IMAGE.repository}`, "--set-string", `harbor.core.image.tag=${STAND_IN_IMAGE.tag}`];
      const seen = new Set<string>();

      const r1 = await helmAsync(h, ["install", ...args]);
      expect(r1.code, r1.stderr).toBe(0);
      const job1 = await nextJob(seen);
      seen.add(job1.metadata.uid);
      const pod = jobPod(job1);
      const logs = kubectl(["logs", "-n", target, pod.metadata.name]).stdout;
      console.log(`  first run (${job1.metadata.name}), its log:\n${logs.replace(/^/gm, "    ")}`);
      expect(job1.status.succeeded, logs).toBe(1);
      // what the kubelet ran: the chart's securityContext, the script from the ConfigMap, env from Secrets
      const container = pod.spec.containers[0];
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10000, seccompProfile: { type: "RuntimeDefault" } });
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      expect(pod.spec.volumes.find((v: any) => v.configMap)?.configMap.name).toBeTruthy();
      expect(container.env.find((e: any) => e.name === "HARBOR_ADMIN_PASSWORD").valueFrom.secretKeyRef).toBeTruthy();
      expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
      const writes1 = harbor.writes();
      expect(writes1.length).toBeGreaterThan(0);
      expect(harbor.state.projects.get("spectro-images")).toBeDefined();
      expect(harbor.state.projects.get("library")?.public).toBe(true);
      expect(harbor.violations).toEqual([]);

      const before = harbor.requests.length;
      const r2 = await helmAsync(h, ["upgrade", ...args]);
      expect(r2.code, r2.stderr).toBe(0);
      const job2 = await nextJob(seen);
      expect(job2.status.succeeded).toBe(1);
      const second = harbor.requests.slice(before);
      console.log(`  rerun (${job2.metadata.name}): ${second.length} requests, writes: ${second.filter((q) => q.method !== "GET" && q.method !== "HEAD").length}`);
      expect(second.length).toBeGreaterThan(0);
      expect(second.filter((q) => q.method !== "GET" && q.method !== "HEAD")).toEqual([]);
      expect(harbor.violations).toEqual([]);
    });
  });
});
