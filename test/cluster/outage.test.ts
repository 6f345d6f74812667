// The local-cluster tier's outage scenario (issue 10, "On the local cluster"): the chart's node-mirror
// DaemonSet writes Harbor's containerd host files on the real node, the kubelet pulls a pod's image through a
// mirror with Harbor's URL shape, the "internet" is cut by removing the route to the upstream's network
// namespace, the pod is deleted and the image removed from the node (content and unpacked layers), and the
// replacement pod runs from the mirror; uninstall restores the node's original files.
//
// Stand-ins, because Harbor's images cannot be fetched here:
// - the DaemonSet's image (harbor.core.image) is the tier's busybox + curl image: the script needs only sh,
//   cp, mv, ln, rm, mkdir, rmdir, cmp, sed, grep, cat, chmod, sleep and kill, all busybox applets;
// - Harbor's proxy-cache project is Debian's docker-registry in pull-through proxy mode behind the TLS
//   front of the real-containerd test (test/helpers/nm-netns-tool.ts proxy), which serves /v2/<project>/...
//   with the certificate from the release's harbor-tls and logs every request: that log tells what the
//   mirror served;
// - "the internet" is a network namespace made here, joined to the cluster's by a veth pair (he-up0 here,
//   10.213.9.1/30; he-up1 there, 10.213.9.2/30) and holding the upstream registry (10.213.9.2:5001), named in
//   proxyCache.extraRegistries. It holds one image made for this run (busybox and a file with a random id),
//   so no other container on the node shares its layer: a re-pull that unpacks must fetch that layer again.
// The cut deletes the route to 10.213.9.0/30 in the cluster's namespace: the upstream keeps running, but
// nothing on the node can reach it any more, containerd's fallback to the upstream server included. It also
// ends the TCP connections open across the link (ss -K), as TCP's retries would, only sooner.
// Everything listens inside the cluster's network namespace (run.ts runs vitest there) or the "internet"
// namespace below it, with no route out; the namespace goes when its holder process is stopped.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELMS } from "../helpers/chart.js";
import { ROOT } from "../../generator/src/paths.js";
import {
  chartDir,
  cleanupChart,
  ensureNamespace,
  getJson,
  helm,
  helmOk,
  kubectl,
  kubectlOk,
  nodeFiles,
  NODES,
  secretData,
  specFile,
  STAND_IN_CORE_ARGS,
  STAND_IN_IMAGE,
  valuesFor,
} from "./kube.js";
import { Processes, runOk } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";
import { registryConfig } from "../helpers/docker-registry.js";
import { imageFromLayer, NODE_ARCH, pushImage } from "../helpers/oci-images.js";

const h = HELMS.find((x) => x.major === 3) ?? HELMS[0];
const applyArgs = h.major >= 4 ? ["--server-side=false"] : [];
const RELEASE = "harbor";
const NS = "outage";
// the node's containerd files, where the node sees them (up.sh binds them there in the tier's mount namespace),
// and where this test reads them on the host
const NODE_HOST_DIR = "/etc/containerd/certs.d";
const NODE_CONTAINERD_CONFIG = "/etc/containerd/config.toml";
// the scenario's pod is pinned to the first node (the cluster's namespace, where this test runs)
const NODE = NODES[0];
const { hostDir: HOST_DIR, containerdConfig: CONTAINERD_CONFIG, sock: SOCK } = nodeFiles(NODE);
const INTERNET = { net: "10.213.9.0/30", here: "10.213.9.1/30", there: "10.213.9.2/30", link: "he-up0", peer: "he-up1" };
const UPSTREAM = "10.213.9.2:5001";
const PROJECT = UPSTREAM.replace(":", "-");
const RUN_ID = crypto.randomBytes(6).toString("hex");
const IMAGE = `${UPSTREAM}/he-cl/outage:${RUN_ID}`;
const MIRROR_PORT = 5102;
const FRONT = "127.0.0.1:8443";
const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-cl-outage-"));
const FRONT_LOG = path.join(T, "front-access.jsonl");
const P = new Processes(T);

const missing = ["docker-registry", "ctr", "unshare", "nsenter", "ip", "tar"].filter(
  (c) => spawnSync("sh", ["-c", `command -v ${c}`]).status !== 0,
);
const skip = missing.length > 0 || !fs.existsSync(CONTAINERD_CONFIG);
if (skip)
  console.log(
    `local-cluster outage scenario: NOT RUN — ${missing.length ? `missing ${missing.join(", ")}` : `the tier's containerd has no ${CONTAINERD_CONFIG} (an older cluster:up)`}`,
  );

const run = (cmd: string, args: string[]): string => runOk(cmd, args);
const start = (name: string, argv: string[], cwd = T): ChildProcess => P.start(name, argv, { cwd });
const logOf = (name: string) => P.log(name);
const stop = (name: string): Promise<void> => P.stop(name);

/** "The internet": a network namespace held by a sleeping process, joined to ours by a veth pair. */
async function startInternet(): Promise<number> {
  const holder = start("internet", ["unshare", "--net", "sleep", "infinity"]);
  const ours = fs.readlinkSync("/proc/self/ns/net");
  await waitFor(
    "the internet namespace",
    () => fs.existsSync(`/proc/${holder.pid}/ns/net`) && fs.readlinkSync(`/proc/${holder.pid}/ns/net`) !== ours,
    { ms: 10_000, everyMs: 1000 },
  );
  run("ip", ["link", "add", INTERNET.link, "type", "veth", "peer", "name", INTERNET.peer]);
  run("ip", ["link", "set", INTERNET.peer, "netns", String(holder.pid)]);
  run("ip", ["addr", "add", INTERNET.here, "dev", INTERNET.link]);
  run("ip", ["link", "set", INTERNET.link, "up"]);
  run("nsenter", [
    "-t",
    String(holder.pid),
    "-n",
    "sh",
    "-c",
    `ip link set lo up && ip addr add ${INTERNET.there} dev ${INTERNET.peer} && ip link set ${INTERNET.peer} up`,
  ]);
  return holder.pid!;
}
const routeToInternet = () => run("ip", ["route", "show", INTERNET.net]).trim();

async function startRegistry(name: string, addr: string, storage: string, o: { proxy?: string; netnsOf?: number } = {}): Promise<void> {
  const f = path.join(T, `${name}.yml`);
  fs.writeFileSync(f, registryConfig({ addr, storage, proxy: o.proxy, accessLog: true }));
  start(name, [...(o.netnsOf ? ["nsenter", "-t", String(o.netnsOf), "-n", "--"] : []), "docker-registry", "serve", f]);
  await waitFor(`${name} to listen`, () => /listening on /.test(logOf(name)), { ms: 30_000, everyMs: 1000 });
}
const reachable = (url: string) => spawnSync("curl", ["-sf", "-o", "/dev/null", "--max-time", "3", url]).status === 0;
type Entry = { method: string; path: string; route: string | null; status: number };
const frontLog = (): Entry[] =>
  fs.existsSync(FRONT_LOG)
    ? fs
        .readFileSync(FRONT_LOG, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
const ctr = (...args: string[]) => spawnSync("ctr", ["--address", SOCK, "--namespace", "k8s.io", ...args], { encoding: "utf8" });
const ctrLines = (...args: string[]) =>
  ctr(...args)
    .stdout.split("\n")
    .slice(1)
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/));

/** This run's image: one layer (busybox, its sh and sleep links, and a file with the run's id). */
function outageImage() {
  const root = path.join(T, "image-root");
  fs.mkdirSync(path.join(root, "bin"), { recursive: true });
  fs.copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
  fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
  for (const a of ["sh", "sleep"]) fs.symlinkSync("busybox", path.join(root, "bin", a));
  fs.writeFileSync(path.join(root, "outage-run"), `${RUN_ID}\n`);
  const tar = spawnSync("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", root, "-cf", "-", "."], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (tar.status !== 0) throw new Error(`tar: ${String(tar.stderr)}`);
  const img = imageFromLayer(tar.stdout, { architecture: NODE_ARCH, Env: ["PATH=/bin"], Entrypoint: ["/bin/sh"] });
  // one layer: the chain id of its unpacked snapshot is its diff id, the digest of the uncompressed tar
  return {
    ...img,
    diffId: `sha256:${crypto
      .createHash("sha256")
      .update(tar.stdout as Buffer)
      .digest("hex")}`,
  };
}

/** Every file under the host directory: relative path -> mode and bytes (directories too). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name),
        rel = path.relative(dir, p),
        st = fs.lstatSync(p);
      if (e.isDirectory()) {
        out[rel + "/"] = st.mode.toString(8);
        walk(p);
      } else out[rel] = `${st.mode.toString(8)} ${fs.readFileSync(p, "utf8")}`;
    }
  };
  walk(dir);
  return out;
}

const appPods = () => getJson(["get", "pods", "-n", NS, "-l", "app=outage-app"]).items as any[];
const runningPod = () =>
  appPods().find((p) => p.status.phase === "Running" && !p.metadata.deletionTimestamp && p.status.containerStatuses?.[0]?.ready);
const scale = (n: number) => kubectlOk(["scale", "deployment", "outage-app", "-n", NS, `--replicas=${n}`]);

describe.skipIf(skip)(`the outage scenario on the local cluster (helm ${h.version})`, () => {
  let before: Record<string, string>;
  const img = skip ? undefined! : outageImage();

  beforeAll(async () => {
    // the upstream registry in "the internet", then the pull-through mirror of it (distribution panics at
    // start when its upstream is down, so the upstream first)
    const internet = await startInternet();
    expect(routeToInternet()).toContain(INTERNET.net);
    await startRegistry("upstream", UPSTREAM, path.join(T, "upstream-data"), { netnsOf: internet });
    await pushImage(`http://${UPSTREAM}`, "he-cl/outage", RUN_ID, img);
    expect(JSON.parse(run("curl", ["-sf", `http://${UPSTREAM}/v2/he-cl/outage/tags/list`])).tags).toEqual([RUN_ID]);
    await startRegistry("mirror", `127.0.0.1:${MIRROR_PORT}`, path.join(T, "mirror-data"), { proxy: `http://${UPSTREAM}` });
    // the node's own file for that registry before Harbor: the DaemonSet must keep it and put it back
    fs.mkdirSync(path.join(HOST_DIR, UPSTREAM), { recursive: true });
    fs.writeFileSync(
      path.join(HOST_DIR, UPSTREAM, "hosts.toml"),
      `server = "http://${UPSTREAM}"\n\n[host."http://${UPSTREAM}"]\n  capabilities = ["pull", "resolve"]\n`,
    );
    before = tree(HOST_DIR);
    ensureNamespace(NS);
  });

  afterAll(async () => {
    kubectl(["delete", "deployment", "outage-app", "-n", NS, "--ignore-not-found"]);
    helm(h, ["uninstall", RELEASE, "-n", NS]);
    kubectl(["delete", "pods", "--all", "-n", NS, "--grace-period=0", "--force"]);
    kubectl(["delete", "namespace", NS, "--wait=false"]);
    for (const n of ["front", "mirror", "upstream", "internet"]) await stop(n);
    spawnSync("ip", ["link", "del", INTERNET.link]); // gone with the namespace already; this is for a holder that did not start
    fs.rmSync(path.join(HOST_DIR, UPSTREAM), { recursive: true, force: true });
    ctr("images", "rm", "--sync", IMAGE);
    fs.rmSync(T, { recursive: true, force: true });
    cleanupChart();
  });
  it("the DaemonSet (busybox stand-in image) writes the host files into the kubelet's containerd config_path and reports containerd reads them", async () => {
    const spec = specFile("edge-single-node.yaml", {
      service: { harbor: { https: { nodePort: 30200 }, http: { nodePort: 30201 } } },
      configJob: { enabled: false },
      report: { enabled: false },
      proxyCache: { enabled: true, extraRegistries: [{ host: UPSTREAM, url: `http://${UPSTREAM}`, type: "docker-registry" }] },
      nodeMirror: { enabled: true, addresses: [FRONT], hostDir: NODE_HOST_DIR, containerdConfig: NODE_CONTAINERD_CONFIG },
    });
    const r = helm(h, ["install", RELEASE, chartDir(), "-n", NS, "-f", valuesFor(spec), ...applyArgs, ...STAND_IN_CORE_ARGS]);
    expect(r.code, r.stderr).toBe(0);
    const pod = await waitFor(
      "the node-mirror pod to be ready",
      () =>
        (getJson(["get", "pods", "-n", NS, "-l", "app.kubernetes.io/component=node-mirror"]).items as any[]).find(
          (p) => p.spec.nodeName === NODE && p.status.containerStatuses?.[0]?.ready,
        ),
      { ms: 120_000, everyMs: 1000 },
    );
    const log = kubectlOk(["logs", "-n", NS, pod.metadata.name]);
    console.log(
      `  node-mirror pod ${pod.metadata.name} (image ${pod.spec.containers[0].image}), its log:\n${log.trim().replace(/^/gm, "    ")}`,
    );
    expect(pod.spec.containers[0].image).toBe(`${STAND_IN_IMAGE.repository}:${STAND_IN_IMAGE.tag}`);
    expect(log).toContain(`containerd reads ${NODE_HOST_DIR} (config_path`);
    const cm = getJson(["get", "configmap", "harbor-edge-node-mirror", "-n", NS]).data as Record<string, string>;
    const key = `${UPSTREAM.replace(":", "_")}.hosts.toml`;
    expect(cm[key]).toContain(`https://${FRONT}/v2/${PROJECT}`);
    expect(fs.readFileSync(path.join(HOST_DIR, UPSTREAM, "hosts.toml"), "utf8")).toBe(cm[key]);
    expect(fs.readFileSync(path.join(HOST_DIR, UPSTREAM, "harbor-ca.crt"), "utf8")).toBe(secretData(NS, "harbor-tls")?.["ca.crt"]);
    // the original file is kept as the backup; the tier's own registry's directory is not touched
    expect(fs.readFileSync(path.join(HOST_DIR, UPSTREAM, "hosts.toml.harbor-edge.bak"), "utf8")).toBe(
      before[`${UPSTREAM}/hosts.toml`].replace(/^\d+ /, ""),
    );
    for (const k of Object.keys(before).filter((k) => !k.startsWith(UPSTREAM))) expect(tree(HOST_DIR)[k]).toBe(before[k]);

    // Harbor's proxy-cache project at Harbor's URL shape, with the release's certificate
    const tls = secretData(NS, "harbor-tls")!;
    fs.writeFileSync(path.join(T, "tls.crt"), tls["tls.crt"]);
    fs.writeFileSync(path.join(T, "tls.key"), tls["tls.key"], { mode: 0o600 });
    const routes = JSON.stringify([{ prefix: `/v2/${PROJECT}/`, target: `http://127.0.0.1:${MIRROR_PORT}/v2/` }]);
    start(
      "front",
      [
        process.execPath,
        "--import",
        "tsx",
        path.join(ROOT, "test/helpers/nm-netns-tool.ts"),
        "proxy",
        FRONT.split(":")[1],
        path.join(T, "tls.crt"),
        path.join(T, "tls.key"),
        routes,
        FRONT_LOG,
      ],
      ROOT,
    );
    await waitFor("the TLS front", () => logOf("front").includes("proxy listening"), { ms: 30_000, everyMs: 1000 });
  });

  it("the kubelet pulls a pod's image through the mirror; with the internet cut, the pod deleted and the image removed from the node, the replacement pod runs from the mirror", async () => {
    const manifest = `/v2/${PROJECT}/he-cl/outage/manifests/${RUN_ID}`;
    const layerBlob = `/v2/${PROJECT}/he-cl/outage/blobs/${img.layer.digest}`;
    const snapshots = () => ctrLines("snapshots", "ls").map((f) => f[0]);
    const containersOfImage = () => ctrLines("containers", "ls").filter((f) => f[1] === IMAGE);
    expect(ctrLines("images", "ls").some((f) => f[2] === img.digest)).toBe(false);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "outage-app", namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "outage-app" } },
        template: {
          metadata: { labels: { app: "outage-app" } },
          spec: {
            nodeName: NODE,
            terminationGracePeriodSeconds: 0,
            containers: [
              {
                name: "app",
                image: IMAGE,
                imagePullPolicy: "IfNotPresent",
                command: ["sleep", "3600"],
                resources: { requests: { cpu: "1m", memory: "4Mi" } },
              },
            ],
          },
        },
      },
    };
    kubectlOk(["apply", "-f", "-"], JSON.stringify(deployment));
    const first = await waitFor("the first pod to run", runningPod, { ms: 120_000, everyMs: 1000 });
    const served1 = frontLog();
    console.log(`  first pull (internet up): ${served1.map((e) => `${e.method} ${e.path} ${e.status}`).join(", ")}`);
    expect(served1.some((e) => e.path === manifest && e.status === 200)).toBe(true);
    expect(served1.some((e) => e.path === layerBlob && e.status === 200)).toBe(true);
    expect(JSON.parse(kubectlOk(["get", "pod", first.metadata.name, "-n", NS, "-o", "json"])).status.containerStatuses[0].imageID).toBe(
      `${UPSTREAM}/he-cl/outage@${img.digest}`,
    );
    // the layer is unpacked on the node: a snapshot named by its chain id
    expect(snapshots()).toContain(img.diffId);

    // the cut: the route to the internet's namespace goes; the upstream still runs there, unreachable
    run("ip", ["route", "del", INTERNET.net, "dev", INTERNET.link]);
    expect(routeToInternet()).toBe("");
    // and the connections open across it end, as TCP's retries would end them: a kept-alive connection of the
    // mirror to the upstream would otherwise stall its next upstream check for TCP's retry time (~15 min)
    const open = run("ss", ["-Htn", "dst", UPSTREAM.split(":")[0]]).trim();
    console.log(`  connections to the upstream at the cut: ${open ? open.split("\n").length : 0}`);
    run("ss", ["-K", "-Htn", "dst", UPSTREAM.split(":")[0]]);
    expect(run("ss", ["-Htn", "dst", UPSTREAM.split(":")[0]]).trim(), "ss -K needs a kernel with CONFIG_INET_DIAG_DESTROY").toBe("");
    expect(reachable(`http://${UPSTREAM}/v2/`)).toBe(false);
    expect(
      run("nsenter", [
        "-t",
        String(P.get("internet")!.pid),
        "-n",
        "curl",
        "-sf",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `http://${UPSTREAM}/v2/`,
      ]),
    ).toBe("200");

    // the pod is deleted; once the kubelet has removed its container, the image leaves the node: every name of
    // it (tag, digest and the CRI's image id), its content, and with them its unpacked layer
    scale(0);
    await waitFor("the first pod to be gone", () => appPods().length === 0, { ms: 120_000, everyMs: 1000 });
    await waitFor("the kubelet to remove the pod's container", () => containersOfImage().length === 0, { ms: 180_000, everyMs: 1000 });
    const refs = ctrLines("images", "ls")
      .filter((f) => f[2] === img.digest)
      .map((f) => f[0]);
    console.log(`  removing from the node: ${refs.join(", ")}`);
    expect(refs).toContain(IMAGE);
    expect(ctr("images", "rm", "--sync", ...refs).status).toBe(0);
    ctr("content", "prune", "references");
    expect(ctrLines("images", "ls").filter((f) => f[2] === img.digest)).toEqual([]);
    const content = ctr("content", "ls", "-q").stdout.split("\n");
    expect(content).not.toContain(img.digest);
    expect(content).not.toContain(img.layer.digest);
    await waitFor("containerd to remove the unpacked layer", () => !snapshots().includes(img.diffId), { ms: 30_000, everyMs: 1000 });
    const cut = frontLog().length;

    // the replacement pod
    scale(1);
    const second = await waitFor(
      "the replacement pod to run",
      () => {
        const p = runningPod();
        return p && p.metadata.name !== first.metadata.name ? p : undefined;
      },
      {
        ms: 120_000,
        everyMs: 1000,
        diagnose: () => {
          const events = (getJson(["get", "events", "-n", NS]).items as any[])
            .filter((e) => e.involvedObject.name.startsWith("outage-app"))
            .map((e) => `${e.involvedObject.name} ${e.reason}: ${e.message}`);
          return [
            `events:`,
            ...events,
            `served since the cut:`,
            ...frontLog()
              .slice(cut)
              .map((e) => `${e.method} ${e.path} ${e.status}`),
            `mirror log (tail):`,
            ...logOf("mirror").trim().split("\n").slice(-15),
          ].join("\n");
        },
      },
    );
    const served2 = frontLog().slice(cut);
    console.log(
      `  replacement ${second.metadata.name}, pulled with the internet cut: ${served2.map((e) => `${e.method} ${e.path} ${e.status}`).join(", ")}`,
    );
    // the manifest and the layer itself came from the mirror
    expect(served2.some((e) => e.path === manifest && e.status === 200)).toBe(true);
    expect(served2.some((e) => e.path === layerBlob && e.status === 200)).toBe(true);
    // the kubelet pulled (it did not find the image on the node) and the image is back, unpacked
    const podEvents = () =>
      (getJson(["get", "events", "-n", NS, "--field-selector", `involvedObject.name=${second.metadata.name}`]).items as any[]).map(
        (e) => `${e.reason}: ${e.message}`,
      );
    const pulled = await waitFor(
      "the kubelet's Pulled event",
      () => podEvents().find((m) => m.startsWith(`Pulled: Successfully pulled image "${IMAGE}"`)) ?? false,
      { ms: 90_000, everyMs: 1000, diagnose: () => `the pod's Events so far: ${podEvents().join(" | ") || "none"}` },
    );
    console.log(`  kubelet: ${pulled}`);
    expect(ctrLines("images", "ls").map((f) => f[0])).toContain(IMAGE);
    expect(snapshots()).toContain(img.diffId);
    // and the internet is still cut
    expect(routeToInternet()).toBe("");
    expect(reachable(`http://${UPSTREAM}/v2/`)).toBe(false);
  });

  it("uninstall restores the node's original files", async () => {
    kubectlOk(["delete", "deployment", "outage-app", "-n", NS]);
    helmOk(h, ["uninstall", RELEASE, "-n", NS]);
    await waitFor(
      "the node-mirror pod to be gone",
      () => (getJson(["get", "pods", "-n", NS, "-l", "app.kubernetes.io/component=node-mirror"]).items as any[]).length === 0,
      { ms: 90_000, everyMs: 1000 },
    );
    const after = tree(HOST_DIR);
    console.log(`  host directory after uninstall: ${Object.keys(after).sort().join(", ")}`);
    expect(after).toEqual(before);
  });
});
