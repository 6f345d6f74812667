// The real-cluster tier: Harbor from this chart on kind, checked the way a user of the seeds would.
// Scenarios run in order on one release; npm run test:e2e (needs Docker, kind and network).
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { $ } from "zx";
import {
  ensureCluster,
  deleteCluster,
  nodeIp,
  specFor,
  valuesFile,
  install,
  uninstall,
  passwordFromRegistryInfo,
  api,
  servedCertificate,
  waitHealthy,
  pods,
  secretData,
  waitPodReady,
  collectLogs,
  REGISTRY,
  NS,
  UID,
} from "./cluster.js";
import { HEALTHY_MINUTES } from "./budget.js";
import type { Spec } from "../../generator/src/spec/types.js";

let spec: Spec;
let values: string;
let vip: string;
const IMAGE = `${REGISTRY}/library/busybox:e2e`;

beforeAll(async () => {
  await ensureCluster();
  vip = await nodeIp();
  spec = await specFor({ cluster: { uid: UID, vip } });
  values = valuesFile(spec, "e2e");
  await install(values);
  await waitHealthy(HEALTHY_MINUTES * 60_000);
});

// a failed scenario leaves events, pod logs and kind's logs under test/e2e/artifacts/
beforeEach((ctx) => {
  ctx.onTestFailed(() => collectLogs(ctx.task.name));
});

afterAll(async () => {
  await deleteCluster();
});

describe("Harbor on kind", () => {
  it("logs in as admin with the password read from registry-info (the seeds' command)", async () => {
    const password = await passwordFromRegistryInfo();
    expect(password.length).toBeGreaterThanOrEqual(8);
    const me = await api("GET", "/users/current", { user: "admin", password });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body).username).toBe("admin");
  });

  it("the configuration and report Jobs ran harbor-edge from the image built from the Dockerfile; the report as the robot account", async () => {
    const jobs = JSON.parse((await $`kubectl get jobs --namespace ${NS} -o json`).stdout).items as any[];
    const done = (component: string) =>
      jobs.find(
        (j) => j.metadata.labels?.["app.kubernetes.io/component"] === component && j.metadata.labels?.["harbor-edge.io/run"] !== "periodic",
      );
    const configure = done("configure");
    expect(configure.spec.template.spec.containers[0]).toMatchObject({ image: "harbor-edge:ci", args: ["configure"] });
    expect(configure.status.succeeded).toBe(1);
    // the robot account configure created, and the report that used it
    const robot = {
      username: await secretData("harbor-edge-report-robot", "username"),
      password: await secretData("harbor-edge-report-robot", "password"),
    };
    expect(robot.username).toBe("robot$harbor-edge-report");
    await $`kubectl wait --namespace ${NS} --for=condition=complete job --selector app.kubernetes.io/component=report --timeout 20m`;
    const status = JSON.parse((await $`kubectl get configmap harbor-edge-status --namespace ${NS} -o json`).stdout).data;
    expect(status.summary).toMatch(/^\d+ of \d+ running images are held by Harbor/);
    const asRobot = await api(
      "GET",
      "/projects/spectro-images",
      { user: robot.username, password: robot.password },
      { "X-Is-Resource-Name": "true" },
    );
    expect(asRobot.status).toBe(200);
  });

  it("serves a certificate for spectro.registry.local and the VIP on NodePort 30003", async () => {
    const cert = await servedCertificate();
    expect(cert.subjectaltname).toContain("DNS:spectro.registry.local");
    expect(cert.subjectaltname).toContain(`IP Address:${vip}`);
  });

  it("takes a push from admin and an anonymous pull from library; spectro-images exists", async () => {
    const password = await passwordFromRegistryInfo();
    await $`docker pull busybox:1.36`;
    await $`docker tag busybox:1.36 ${IMAGE}`;
    await $({ input: password })`docker login ${REGISTRY} --username admin --password-stdin`;
    await $`docker push ${IMAGE}`;
    await $`docker logout ${REGISTRY}`;
    await $`docker rmi ${IMAGE}`;
    await $`docker pull ${IMAGE}`; // anonymous: library is public
    const project = await api("GET", "/projects/spectro-images", { user: "admin", password }, { "X-Is-Resource-Name": "true" });
    expect(project.status).toBe(200);
    expect(JSON.parse(project.body).metadata.public).toBe("false");
  });

  it("helm upgrade with unchanged values keeps password and certificate and restarts no pod", async () => {
    const before = { pods: await pods(), password: await passwordFromRegistryInfo(), cert: await secretData("harbor-tls", "tls.crt") };
    await install(values, "upgrade");
    await waitHealthy();
    expect(await passwordFromRegistryInfo()).toBe(before.password);
    expect(await secretData("harbor-tls", "tls.crt")).toBe(before.cert);
    expect(await pods()).toEqual(before.pods);
  });

  it("changing harbor-config.auth.password rotates it in Harbor and in registry-info", async () => {
    const old = await passwordFromRegistryInfo();
    spec = await specFor({ cluster: { uid: UID, vip }, auth: { password: "Rotated-E2e-42" } });
    values = valuesFile(spec, "e2e-rotated");
    await install(values, "upgrade");
    expect(await passwordFromRegistryInfo()).toBe("Rotated-E2e-42");
    expect((await api("GET", "/users/current", { user: "admin", password: "Rotated-E2e-42" })).status).toBe(200);
    expect((await api("GET", "/users/current", { user: "admin", password: old })).status).toBe(401);
  });

  it("a deleted database pod comes back healthy without intervention (the seeds' known issue)", async () => {
    await $`kubectl delete pod --namespace ${NS} --selector component=database --wait`;
    await waitPodReady("component=database");
    await waitHealthy();
    const db = JSON.parse((await $`kubectl get pods --namespace ${NS} --selector component=database -o json`).stdout).items[0];
    expect(db.status.containerStatuses.every((c: any) => c.ready)).toBe(true);
  });

  it("helm uninstall keeps the volumes; a reinstall keeps images and logins", async () => {
    const claims = (await $`kubectl get pvc --namespace ${NS} -o name`).stdout.trim().split("\n").sort();
    await uninstall();
    expect((await $`kubectl get pvc --namespace ${NS} -o name`).stdout.trim().split("\n").sort()).toEqual(claims);
    await install(values);
    await waitHealthy();
    expect((await api("GET", "/users/current", { user: "admin", password: "Rotated-E2e-42" })).status).toBe(200);
    await $`docker rmi ${IMAGE}`.nothrow();
    await $`docker pull ${IMAGE}`;
  });
});
