// The local-cluster tier's scenarios (npm run test:cluster): the full chart on a real Kubernetes 1.20.2 API
// server and kubelet (test/cluster/infra/up.sh), on both packaged helms. Run by run.ts inside the cluster's
// network namespace, so the test Harbor and the DNS stand-in are reachable from the pods.
//
// Harbor's own pods cannot start here: goharbor images cannot be fetched (no route out). The scenarios
// check what a real API server and kubelet decide: every object accepted, pods scheduled onto bound
// volumes, upgrades and uninstalls as helm really performs them, and the configuration Job run as a real
// pod with a locally built stand-in image.
import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELMS } from "../helpers/chart.js";
import { startFakeHarbor } from "../fakes/harbor-api.js";
import { startDns } from "./dns.js";
import { waitFor } from "../helpers/wait.js";
import {
  bench,
  chartDir,
  cleanupChart,
  diff,
  ensureNamespace,
  getJson,
  helm,
  helmAsync,
  helmOk,
  keyOf,
  kubectl,
  kubectlOk,
  cronJobOf,
  cronJobRuns,
  liveObjects,
  NODE_IP,
  parseManifest,
  podStates,
  secretData,
  settle,
  sleep,
  snapshot,
  specFile,
  PROGRAM_IMAGE,
  valuesFor,
} from "./kube.js";
import { NAMES } from "../../generator/src/common/names.js";

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

/**
 * Installs (or upgrades) as a user does: Helm's default timeout, no --wait, no other flag (but helm 4's
 * --server-side=false on 1.20). The chart has no hooks: its configuration and report Jobs are plain objects
 * that helm does not wait for, so Harbor's pods in ImagePullBackOff here cannot fail the release.
 */
function install(h: H, ns: string, values: string, verb: "install" | "upgrade" = "install", extra: string[] = []) {
  return helm(h, [verb, RELEASE, chartDir(), "-n", ns, "-f", values, ...applyArgs(h), ...extra]);
}

/** NodePorts are cluster-wide: every release gets its own pair (the examples all ask for 30002/30003). */
let nextPort = 30100;
const ports = () => {
  const https = nextPort++,
    http = nextPort++;
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

/** The Jobs the chart names per revision (configuration, report): every upgrade replaces them by design. */
const PER_REVISION = /^Job\/[^/]+\/harbor-edge-(configure|report)-\d+(-[0-9a-f]{6})?$/;
const perRevision = (k: string) => PER_REVISION.test(k);

/**
 * Checks that the per-revision Jobs that changed are exactly the previous revision's (gone: helm deleted
 * them, the API server has them no more) and the new revision's (one configuration Job, one report Job,
 * named for `revision`), and returns their names for the output.
 */
function checkPerRevisionJobs(
  h: H,
  ns: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  changed: string[],
): string[] {
  const old = Object.keys(before).filter(perRevision).sort();
  const now = Object.keys(after).filter(perRevision).sort();
  const revision = Number(JSON.parse(helmOk(h, ["status", RELEASE, "-n", ns, "-o", "json"])).version);
  expect(now.map((k) => k.replace(/^Job\/[^/]+\//, "").replace(/-[0-9a-f]{6}$/, "")).sort()).toEqual([
    `harbor-edge-configure-${revision}`,
    `harbor-edge-report-${revision}`,
  ]);
  expect(old.filter((k) => now.includes(k))).toEqual([]);
  expect(changed.filter(perRevision).sort()).toEqual([...old, ...now].sort());
  for (const k of old) expect(kubectl(["get", "job", "-n", ns, k.split("/")[2]]).stderr).toMatch(/NotFound/);
  return [...old.map((k) => `${k.split("/")[2]} (deleted)`), ...now.map((k) => `${k.split("/")[2]} (new)`)];
}

/** The NodePorts a spec file asks for (changed upgrades keep them). */
const portsOf = (file: string) => (yaml.load(fs.readFileSync(file, "utf8")) as any)["harbor-config"].service;

describe.each(HELMS.map((h) => [`helm ${h.version}`, h] as const))("%s", (_name, h) => {
  const ns = (what: string) => `h${h.major}-${what}`;
  /** the spec file each example was installed with (its own NodePorts), for upgrades and reinstalls */
  const specs: Record<string, string> = {};
  afterAll(() =>
    dropNamespaces(
      ["single-node", "ha-vip", "homelab-s3", "missing-uid", "job", "ssa"]
        .map(ns)
        .concat(`cluster-${uidFor(h, "6650f2a8c1e34b0f9d7a5e21")}`),
    ),
  );

  if (h.major >= 4) {
    it("on Kubernetes 1.20 helm 4's default server-side apply is refused for ports without protocol (hence --server-side=false)", () => {
      const target = ns("ssa");
      ensureNamespace(target);
      const r = helm(h, [
        "install",
        RELEASE,
        chartDir(),
        "-n",
        target,
        "-f",
        valuesFor(specFile("edge-single-node.yaml", ports())),
        "--no-hooks",
        "--timeout",
        "2m",
      ]);
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
          kubectlOk([
            "create",
            "secret",
            "generic",
            "harbor-admin-secret",
            "-n",
            target,
            "--from-literal=HARBOR_ADMIN_PASSWORD=Homelab-Passw0rd",
          ]);
        }
        const started = Date.now();
        const r = install(h, target, valuesFor(spec));
        expect(r.stderr, r.stderr).not.toMatch(/Error/);
        expect(r.code).toBe(0);
        const manifest = helmOk(h, ["get", "manifest", RELEASE, "-n", target]);
        const rendered = parseManifest(manifest);
        const live = liveObjects(manifest, target);
        if (example === "edge-single-node.yaml")
          bench(
            `install to all objects accepted (${example}, helm ${h.version}): ${((Date.now() - started) / 1000).toFixed(1)} s, ${live.length} objects`,
          );
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

    it("every pod is scheduled onto bound volumes; Harbor's pods wait for images that cannot be fetched here, the program's run", async () => {
      const target = ns("single-node");
      const program = `${PROGRAM_IMAGE.repository}:${PROGRAM_IMAGE.tag}`;
      const isProgram = (p: ReturnType<typeof podStates>[number]) => p.images.every((i) => i === program);
      // the Jobs a CronJob of the chart started on its schedule (the report's at minute 23, the periodic
      // configuration's every 15 min) may be there too, whenever the test runs: told apart by their owner
      const cronStarted = () => new Map([...cronJobRuns(target)].map(([job, cron]) => [`Job/${job}`, cron]));
      // one such run, started here as the CronJob would start it (owned by it), so that this is tested in every run
      kubectlOk(["create", "job", "harbor-edge-report-on-schedule", "--from=cronjob/harbor-edge-report", "-n", target]);
      let scheduled = cronStarted();
      let all = podStates(target);
      let pods = all.filter((p) => !scheduled.has(p.owner ?? ""));
      for (
        let i = 0;
        i < 60 &&
        !(
          all.some((p) => p.owner === "Job/harbor-edge-report-on-schedule") &&
          pods.length &&
          pods.every((p) => p.scheduled && (isProgram(p) ? p.phase === "Running" : p.waiting.length))
        );
        i++
      ) {
        await sleep(2000);
        scheduled = cronStarted();
        all = podStates(target);
        pods = all.filter((p) => !scheduled.has(p.owner ?? ""));
      }
      const onSchedule = all.filter((p) => scheduled.has(p.owner ?? ""));
      for (const p of onSchedule) console.log(`  started on its schedule by CronJob/${scheduled.get(p.owner ?? "")}: ${p.name} ${p.phase}`);
      expect(onSchedule.map((p) => p.owner)).toContain("Job/harbor-edge-report-on-schedule");
      for (const p of onSchedule) expect(isProgram(p), p.name).toBe(true);
      expect([...new Set(scheduled.values())].filter((c) => !([NAMES.report, NAMES.configurePeriodic] as string[]).includes(c))).toEqual(
        [],
      );
      const pvcs = getJson(["get", "pvc", "-n", target]).items as any[];
      expect(pvcs.length).toBeGreaterThan(0);
      expect(pvcs.filter((p) => p.status.phase !== "Bound").map((p) => p.metadata.name)).toEqual([]);
      expect(pods.filter((p) => !p.scheduled).map((p) => p.name)).toEqual([]);
      console.log(
        `pods expected to stay in ImagePullBackOff (goharbor images cannot be fetched here) or to run (the program's stand-in image), helm ${h.version}:`,
      );
      for (const p of pods) console.log(`  ${p.name}: ${p.waiting.join(", ") || p.phase} (${p.images.join(", ")})`);
      // the configuration and report Jobs run the program's image and wait for Harbor; Harbor's own pods wait for theirs
      expect(pods.filter(isProgram).map((p) => p.name.replace(/-[0-9a-f]{6}-[a-z0-9]{5}$/, ""))).toEqual([
        "harbor-edge-configure-1",
        "harbor-edge-report-1",
      ]);
      for (const p of pods.filter(isProgram)) expect(p.phase, p.name).toBe("Running");
      for (const p of pods.filter((x) => !isProgram(x))) {
        expect(
          p.images.every((i) => i.includes("goharbor/")),
          p.name,
        ).toBe(true);
        expect(
          p.waiting.every((w) => /ErrImagePull|ImagePullBackOff|ContainerCreating|PodInitializing/.test(w)),
          `${p.name}: ${p.waiting.join(", ")}`,
        ).toBe(true);
      }
    });

    it("with Helm's default timeout the release is deployed while Harbor is not up; the configuration Job's state shows where NOTES says to look", async () => {
      const target = ns("single-node");
      const status = JSON.parse(helmOk(h, ["status", RELEASE, "-n", target, "-o", "json"]));
      expect(status.info.status).toBe("deployed");
      expect(parseManifest(helmOk(h, ["get", "hooks", RELEASE, "-n", target]))).toEqual([]); // nothing helm waits for
      // the install's configuration Job: its pod runs (the program's image is on the node) and waits for Harbor,
      // whose images cannot be fetched here
      const job = (
        getJson(["get", "jobs", "-n", target, "-l", "app.kubernetes.io/component=configure,harbor-edge.io/run=install"]).items as any[]
      )[0];
      expect(job?.metadata.name).toMatch(/^harbor-edge-configure-1-[0-9a-f]{6}$/);
      let pod: ReturnType<typeof podStates>[number] | undefined;
      for (let i = 0; i < 60 && pod?.phase !== "Running"; i++) {
        if (i) await sleep(2000);
        pod = podStates(target).find((p) => p.name.startsWith(`${job.metadata.name}-`));
      }
      expect(pod?.phase, JSON.stringify(pod)).toBe("Running");
      expect(pod?.images).toEqual([`${PROGRAM_IMAGE.repository}:${PROGRAM_IMAGE.tag}`]);
      // the commands NOTES gives, run as printed
      const notes = helmOk(h, ["get", "notes", RELEASE, "-n", target]);
      const section = notes.slice(notes.indexOf("\nConfiguration\n"));
      const commands = section
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("kubectl "))
        .slice(0, 3);
      expect(commands.map((c) => c.split(" ").slice(0, 2).join(" "))).toEqual(["kubectl get", "kubectl get", "kubectl logs"]);
      const run = (c: string) => kubectl(c.split(" ").slice(1));
      const [jobs, events, logs] = commands.map(run);
      console.log(`  helm ${h.version}, release ${status.info.status}; what NOTES' commands show while Harbor's images cannot be fetched:`);
      for (const [c, r] of commands.map((c, i) => [c, [jobs, events, logs][i]] as const))
        console.log(`    $ ${c}\n${(r.stdout + r.stderr).trim().replace(/^/gm, "      ")}`);
      const row = jobs.stdout.split("\n").find((l) => l.startsWith(job.metadata.name));
      expect(row?.split(/\s+/)[1]).toBe("0/1"); // COMPLETIONS: not done
      expect(events.code).toBe(0); // the run has not finished: no Event yet, and the command works
      expect(logs.code, logs.stderr).toBe(0); // the run's log is there while it waits for Harbor
      expect(logs.stdout + logs.stderr).not.toMatch(/ERROR/);
    });

    it("a cluster.uid whose namespace does not exist fails the install at render, with the chart's one clear line", () => {
      const target = ns("missing-uid");
      ensureNamespace(target);
      const uid = uidFor(h, "nonamespace");
      const r = install(h, target, valuesFor(specFile("edge-single-node.yaml", { cluster: { uid }, ...ports() })));
      const lines = r.stderr.trim().split("\n").filter(Boolean);
      console.log(`  missing cluster-${uid}, helm ${h.version} says: ${lines.join(" | ")}`);
      expect(r.code).not.toBe(0);
      // the chart's fail (harbor-edge.registryInfoNamespaceCheck), from a lookup at render: nothing applied
      const line = lines.filter((l) => l.includes("harbor-config.registryInfo:"));
      expect(line).toHaveLength(1);
      expect(line[0]).toMatch(
        /execution error at \(harbor-edge-native-config\/templates\/registry-info-secret\.yaml:\d+:\d+\): harbor-config\.registryInfo: /,
      );
      expect(line[0]).toContain(
        `harbor-config.registryInfo: the namespace cluster-${uid} (cluster-<cluster.uid>) does not exist, so registry-info cannot be written there. ` +
          `Palette creates it for its clusters; elsewhere create it (kubectl create namespace cluster-${uid}), set harbor-config.registryInfo.createNamespace=true, or set harbor-config.registryInfo.enabled=false.`,
      );
      expect(helm(h, ["status", RELEASE, "-n", target]).code).not.toBe(0);
      expect(getJson(["get", "all,secrets,configmaps,pvc", "-n", target, "-l", "app.kubernetes.io/instance=" + RELEASE]).items).toEqual([]);
      expect(kubectl(["get", "namespace", `cluster-${uid}`]).code).not.toBe(0);
      dropNamespaces([target]);
    });
  });

  describe("upgrades", () => {
    const target = ns("single-node");
    const spec = { auth: {}, service: {}, storage: {} } as Record<string, any>;

    it("an unchanged upgrade changes no long-running object; only the per-revision Jobs are replaced", async () => {
      const values = valuesFor(specs["edge-single-node.yaml"]);
      const before = await settle(h, RELEASE, target);
      const r = install(h, target, values, "upgrade");
      expect(r.code, r.stderr).toBe(0);
      await sleep(3000);
      const after = snapshot(h, RELEASE, target);
      const d = diff(before, after);
      const longRunning = Object.keys(before).filter((k) => !perRevision(k));
      const changed = d.changed.filter((k) => !perRevision(k));
      const templates = d.templates.filter((k) => !perRevision(k));
      bench(
        `unchanged upgrade (helm ${h.version}): ${changed.length} of ${longRunning.length} long-running objects changed, ${templates.length} pod templates changed`,
      );
      console.log(
        `  per-revision Jobs, replaced on every upgrade by design: ${checkPerRevisionJobs(h, target, before, after, d.changed).join(", ")}`,
      );
      if (d.statusOnly.length) console.log(`  status written by controllers meanwhile (same content): ${d.statusOnly.join(", ")}`);
      expect(longRunning.length).toBeGreaterThan(40);
      expect(changed).toEqual([]);
      expect(templates).toEqual([]);
    });

    // each change on top of the previous ones; `expect` lists the objects the change must touch, and only them
    // and `templates` the workloads whose pod template it must change (a restart), and only them
    const changes: Array<{ what: string; change: Record<string, any>; expect: string[]; templates: string[] }> = [
      {
        what: "the admin password",
        change: { auth: { password: "Changed-Passw0rd-1" } },
        expect: ["Secret/harbor-edge-admin"],
        templates: [],
      },
      // nginx and core serve or trust the certificate: its checksum in their pod templates restarts them onto it.
      // The new leaf has a new expiry, which the CronJob's runs carry to warn before it lapses (no pod restarts).
      {
        what: "the certificate's SANs",
        change: { auth: { certs: { extraSANs: ["harbor.changed.example"] } } },
        expect: ["Secret/harbor-tls", "Deployment/harbor-nginx", "Deployment/harbor-core", "CronJob/harbor-edge-configure-periodic"],
        templates: ["Deployment/harbor-nginx", "Deployment/harbor-core"],
      },
      {
        what: "a storage size",
        change: { storage: { registry: 300 } },
        expect: ["PersistentVolumeClaim/harbor-edge-registry"],
        templates: [],
      },
      { what: "the service type", change: { service: { serviceType: "LoadBalancer" } }, expect: ["Service/harbor"], templates: [] },
    ];
    for (const c of changes) {
      it(`changing ${c.what} upgrades with no immutable-field error and changes only what it should`, async () => {
        for (const [k, v] of Object.entries(c.change)) spec[k] = { ...spec[k], ...v };
        const before = await settle(h, RELEASE, target, 15_000);
        const r = install(
          h,
          target,
          valuesFor(
            specFile("edge-single-node.yaml", { ...spec, service: { ...portsOf(specs["edge-single-node.yaml"]), ...spec.service } }),
          ),
          "upgrade",
        );
        expect(r.stderr).not.toMatch(/immutable|Forbidden|Invalid/);
        expect(r.code, r.stderr).toBe(0);
        await sleep(3000);
        const after = snapshot(h, RELEASE, target);
        const d = diff(before, after);
        const short = (k: string) => k.replace(`/${target}/`, "/");
        const changed = d.changed.filter((k) => !k.startsWith("ReplicaSet/") && !perRevision(k)).map(short);
        const templates = d.templates.filter((k) => !perRevision(k)).map(short);
        const jobs = checkPerRevisionJobs(h, target, before, after, d.changed);
        console.log(
          `  ${c.what}: changed ${changed.join(", ")}; pod templates changed: ${templates.join(", ") || "none"}; per-revision Jobs: ${jobs.join(", ")}`,
        );
        expect(changed.sort()).toEqual([...c.expect].sort());
        // only these restart pods (a new ReplicaSet, a new StatefulSet revision)
        expect(templates.sort()).toEqual([...c.templates].sort());
        const newReplicaSets = d.changed.filter((k) => k.startsWith("ReplicaSet/") && !before[k] && after[k]);
        expect(newReplicaSets.length).toBe(c.templates.filter((t) => t.startsWith("Deployment/")).length);
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
      expect((getJson(["get", "pvc", "-n", target]).items as any[]).map((p) => `${p.metadata.name}:${p.metadata.uid}`).sort()).toEqual(
        pvcs,
      );
      const left = (getJson(["get", "secrets", "-n", target]).items as any[]).map((s) => s.metadata.name);
      for (const s of kept) expect(left).toContain(s);
      expect(secretData(`cluster-${uid}`, "registry-info")).toBeUndefined(); // not kept: the release's own

      const r = install(h, target, valuesFor(specs["edge-ha-vip.yaml"]));
      expect(r.code, r.stderr).toBe(0);
      expect(secretData(`cluster-${uid}`, "registry-info")?.SPECTRO_USER_PASSWORD).toBe(before.info?.SPECTRO_USER_PASSWORD);
      expect(secretData(target, "harbor-tls")).toEqual(before.tls);
      expect((getJson(["get", "pvc", "-n", target]).items as any[]).map((p) => `${p.metadata.name}:${p.metadata.uid}`).sort()).toEqual(
        pvcs,
      );
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
      // the Jobs reach https://harbor.<namespace>.svc (the Service in front of nginx), trusting the chart's CA:
      // that name resolves to the node address, where port 443 is a TLS door with the release's own certificate
      // (opened once the install has made it) leading to the test Harbor
      // (harbor-nginx's name too: the run reads the certificate nginx serves, to restart nginx when it is stale)
      dns = await startDns(NODE_IP, {
        [`harbor.${target}.svc.cluster.local`]: NODE_IP,
        [`harbor-nginx.${target}.svc.cluster.local`]: NODE_IP,
      });
    });

    /** The TLS door: harbor-tls's certificate and key, each connection piped to the test Harbor. */
    async function openDoor(): Promise<void> {
      const port = Number(new URL(harbor.url).port);
      const cert = secretData(target, "harbor-tls")!;
      door = tls.createServer({ key: cert["tls.key"], cert: cert["tls.crt"] }, (c) => {
        const u = net.connect(port, "127.0.0.1");
        c.pipe(u).pipe(c);
        c.on("error", () => u.destroy());
        u.on("error", () => c.destroy());
      });
      await new Promise<void>((r) => door.listen(443, NODE_IP, r));
    }
    afterAll(async () => {
      await harbor?.close();
      if (door) await new Promise((r) => door.close(r));
      await dns?.close();
    });

    /** Waits for a configuration Job (found by its label) that is not one of `seen` to finish. */
    async function nextJob(seen: Set<string>, which: (job: any) => boolean): Promise<any> {
      for (let i = 0; i < 120; i++) {
        // the CronJob may start a run of its own meanwhile (every 15 minutes): only the one asked for counts
        const jobs = (getJson(["get", "jobs", "-n", target, "-l", "app.kubernetes.io/component=configure"]).items as any[]).filter(
          (j) => !seen.has(j.metadata.uid) && which(j),
        );
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

    it("runs harbor-edge configure from the program's image on the kubelet, with its security context and env from Secrets; a rerun sends no write", async () => {
      console.log(
        `  the Job's image is a stand-in built here (${PROGRAM_IMAGE.repository}:${PROGRAM_IMAGE.tag}: this machine's node and the bundled CLI, no shell), ` +
          "because the release's image cannot be pulled here; the kubelet runs it with the chart's arguments",
      );
      ensureNamespace(target);
      // the proxy caches are off: their creation needs upstream registries (test/configure/configure-job.test.ts covers it).
      // The report runs too, from the same image: it only reads Harbor, so every write the test Harbor sees is
      // the configuration's
      const values = valuesFor(specFile("edge-single-node.yaml", { auth: { password }, proxyCache: { enabled: false }, ...ports() }));
      const args = [RELEASE, chartDir(), "-n", target, "-f", values, "--timeout", "3m", ...applyArgs(h)];
      const seen = new Set<string>();

      const r1 = await helmAsync(h, ["install", ...args]);
      expect(r1.code, r1.stderr).toBe(0);
      await openDoor();
      const job1 = await nextJob(seen, (j) => j.metadata.labels?.["harbor-edge.io/run"] === "install");
      seen.add(job1.metadata.uid);
      const pod = jobPod(job1);
      const logs = kubectl(["logs", "-n", target, pod.metadata.name]).stdout;
      console.log(`  first run (${job1.metadata.name}), its log:\n${logs.replace(/^/gm, "    ")}`);
      expect(job1.status.succeeded, logs).toBe(1);
      // what the kubelet ran: the program's image and command, the chart's securityContext, env from Secrets
      const container = pod.spec.containers[0];
      expect(container.image).toBe(`${PROGRAM_IMAGE.repository}:${PROGRAM_IMAGE.tag}`);
      expect(container.command).toBeUndefined();
      expect(container.args).toEqual(["configure"]);
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10000, seccompProfile: { type: "RuntimeDefault" } });
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(pod.spec.volumes.find((v: any) => v.configMap)).toBeUndefined();
      expect(container.env.find((e: any) => e.name === "HARBOR_ADMIN_PASSWORD").valueFrom.secretKeyRef).toBeTruthy();
      expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
      const writes1 = harbor.writes();
      expect(writes1.length).toBeGreaterThan(0);
      expect(harbor.state.projects.get("spectro-images")).toBeDefined();
      expect(harbor.state.projects.get("library")?.public).toBe(true);
      expect(harbor.violations).toEqual([]);

      // through the real API server, with the chart's ServiceAccount and Role: the state Secret and an Event
      expect(secretData(target, "harbor-edge-configure-state")?.applied).toBe(password);
      const events = (name: string) =>
        (getJson(["get", "events", "-n", target, "--field-selector", `involvedObject.kind=Job,involvedObject.name=${name}`]).items as any[])
          .filter((e) => e.source?.component === "harbor-edge-configure")
          .map((e) => `${e.type}/${e.reason}`);
      expect(events(job1.metadata.name)).toEqual(["Normal/Configured"]);
      expect(logs).not.toMatch(/could not record|HTTP 403|forbidden/i);
      // nginx (here the door) serves harbor-tls's certificate: read, compared, nothing restarted
      expect(logs).not.toMatch(/cannot read the certificate served|restarted deployment/);

      // the report Job, from the same image, with the robot account the run created (read through the real API
      // server with the chart's Role): its summary in harbor-edge-status
      expect(secretData(target, "harbor-edge-report-robot")?.username).toBe("robot$harbor-edge-report");
      const report = await waitFor(
        "the report Job to finish",
        // the install's run, not one the CronJob started on its schedule (minute 23) meanwhile
        () =>
          (getJson(["get", "jobs", "-n", target, "-l", "app.kubernetes.io/component=report"]).items as any[]).find(
            (j) => !cronJobOf(j) && (j.status.succeeded || j.status.failed),
          ),
        { ms: 180_000, everyMs: 2000 },
      );
      const reportPod = jobPod(report);
      const reportLog = kubectl(["logs", "-n", target, reportPod.metadata.name]).stdout;
      console.log(`  report (${report.metadata.name}), its log:\n${reportLog.replace(/^/gm, "    ")}`);
      expect(report.status.succeeded, reportLog).toBe(1);
      expect(reportPod.spec.containers[0]).toMatchObject({ image: `${PROGRAM_IMAGE.repository}:${PROGRAM_IMAGE.tag}`, args: ["report"] });
      expect(reportPod.spec.containers[0].env.map((e: any) => e.name)).not.toContain("HARBOR_ADMIN_PASSWORD");
      expect(getJson(["get", "configmap", "harbor-edge-status", "-n", target]).data.summary).toMatch(
        /^\d+ of \d+ running images are held by Harbor/,
      );
      expect(reportLog).not.toContain(password);
      expect(reportLog).not.toMatch(/forbidden|HTTP 403/i);

      // the periodic run, as the CronJob starts it: sends no write to Harbor
      const before = harbor.requests.length;
      const cron = getJson(["get", "cronjob", "harbor-edge-configure-periodic", "-n", target]);
      expect(cron.apiVersion).toBe("batch/v1beta1"); // Kubernetes 1.20 has no batch/v1 CronJob
      kubectlOk(["create", "job", "he-cl-rerun", "--from=cronjob/harbor-edge-configure-periodic", "-n", target]);
      const job2 = await nextJob(seen, (j) => j.metadata.name === "he-cl-rerun");
      const logs2 = kubectl(["logs", "-n", target, jobPod(job2).metadata.name]).stdout;
      expect(job2.metadata.name).toBe("he-cl-rerun");
      expect(job2.metadata.labels["harbor-edge.io/run"]).toBe("periodic");
      expect(job2.status.succeeded, logs2).toBe(1);
      const second = harbor.requests.slice(before);
      console.log(
        `  rerun (${job2.metadata.name}, from the CronJob): ${second.length} requests, writes: ${second.filter((q) => q.method !== "GET" && q.method !== "HEAD").length}; its log:\n${logs2.replace(/^/gm, "    ")}`,
      );
      expect(second.length).toBeGreaterThan(0);
      expect(second.filter((q) => q.method !== "GET" && q.method !== "HEAD")).toEqual([]);
      // a periodic run that has nothing to report records no Event (by design: none every 15 minutes)
      expect(events("he-cl-rerun")).toEqual([]);
      expect(secretData(target, "harbor-edge-configure-state")?.applied).toBe(password);
      expect(harbor.violations).toEqual([]);
    });
  });
});
