// registry-info goes to the namespace cluster-<cluster.uid>, which Palette creates. Outside Palette the chart
// either creates it (registryInfo.createNamespace) or, when an API server is there to ask, fails the render
// with one line saying what to do, instead of Kubernetes' "namespaces not found" halfway through an install.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { HELMS, render, renderAsync, find, type Rendered } from "../helpers/chart.js";
import { startFakeKube, type FakeKube } from "../fakes/kube-api.js";
import { NAMES } from "../../generator/src/common/names.js";

describe.each(HELMS)("helm $version: the namespace of registry-info", (helm) => {
  let kube: FakeKube;
  const serverArgs = ["--dry-run=server", ...(helm.major >= 4 ? ["--disable-openapi-validation"] : [])];
  const install = (uid: string, set: string[] = []) =>
    renderAsync({ helm, set: [`harbor-config.cluster.uid=${uid}`, ...set], extraArgs: serverArgs, env: { KUBECONFIG: kube.kubeconfig } });
  const namespaceOf = (r: Rendered, name: string) => r.objects.find((o) => o.kind === "Namespace" && o.metadata.name === name);

  beforeAll(async () => {
    kube = await startFakeKube();
    kube.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "cluster-palette1" } }, "");
    kube.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "cluster-ours1" } }, "harbor");
  });
  afterAll(() => kube.close());

  it("missing, without createNamespace: the install fails with one line naming the namespace and the fixes", async () => {
    const r = await install("missing1");
    expect(r.code).not.toBe(0);
    const line = r.stderr.split("\n").find((l) => l.includes("cluster-missing1"))!;
    expect(line).toContain("harbor-config.registryInfo: the namespace cluster-missing1 (cluster-<cluster.uid>) does not exist");
    expect(line).toContain("kubectl create namespace cluster-missing1");
    expect(line).toContain("harbor-config.registryInfo.createNamespace=true");
    expect(line).toContain("harbor-config.registryInfo.enabled=false");
    expect(kube.requests).toContain("GET /api/v1/namespaces/cluster-missing1");
  });

  it("Palette's namespace: registry-info goes there and the release does not take the namespace over", async () => {
    for (const set of [[], ["harbor-config.registryInfo.createNamespace=true"]]) {
      const r = await install("palette1", set);
      expect(r.stderr).toBe("");
      expect(find(r.objects, "Secret", NAMES.registryInfoSecret)!.metadata.namespace).toBe("cluster-palette1");
      expect(namespaceOf(r, "cluster-palette1")).toBeUndefined();
    }
  });

  it("missing, with createNamespace: the release creates it, and keeps it on upgrade", async () => {
    const r = await install("new1", ["harbor-config.registryInfo.createNamespace=true"]);
    expect(r.stderr).toBe("");
    expect(namespaceOf(r, "cluster-new1")).toBeDefined();
    expect(find(r.objects, "Secret", NAMES.registryInfoSecret)!.metadata.namespace).toBe("cluster-new1");
    // an upgrade finds the namespace the release made; dropping it from the manifest would delete it
    const again = await install("ours1", ["harbor-config.registryInfo.createNamespace=true"]);
    expect(again.stderr).toBe("");
    expect(namespaceOf(again, "cluster-ours1")).toBeDefined();
  });

  it("registryInfo.enabled=false asks nothing and writes nothing", async () => {
    const r = await install("missing2", ["harbor-config.registryInfo.enabled=false"]);
    expect(r.stderr).toBe("");
    expect(find(r.objects, "Secret", NAMES.registryInfoSecret)).toBeUndefined();
    expect(kube.requests).not.toContain("GET /api/v1/namespaces/cluster-missing2");
  });

  it("helm template, with no cluster to ask, renders (with createNamespace, the Namespace too)", () => {
    const plain = render({ helm, set: ["harbor-config.cluster.uid=abc123"] });
    expect(plain.stderr).toBe("");
    expect(namespaceOf(plain, "cluster-abc123")).toBeUndefined();
    const created = render({ helm, set: ["harbor-config.cluster.uid=abc123", "harbor-config.registryInfo.createNamespace=true"] });
    expect(namespaceOf(created, "cluster-abc123")).toBeDefined();
  });
});
