// Pods restart when a Secret they mount gets new content from the spec, and only then. Upstream checksums only
// its own objects, so nginx and core (the pods that mount harbor-tls) carry checksum/harbor-tls through the
// harbor: block; the guard makes sure it follows harbor-config. Rendered on the full chart: the annotation
// must reach the pod templates.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import {
  HELMS,
  UPSTREAM,
  announceUpstream,
  render,
  renderAsync,
  find,
  valuesFileForRaw,
  type Rendered,
  type K8sObject,
} from "../helpers/chart.js";
import { startFakeKube, type FakeKube } from "../fakes/kube-api.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import { NAMES } from "../../generator/src/common/names.js";
import { TLS_CHECKSUM_ANNOTATION } from "../../generator/src/values/derive.js";

announceUpstream();

/** Pod templates that mount a Secret, by owner: their annotations and the Secrets they mount. */
function mounting(r: Rendered, secret: string): K8sObject[] {
  return r.objects.filter((o) => o.spec?.template?.spec?.volumes?.some((v: any) => v.secret?.secretName === secret));
}
const annotationsOf = (r: Rendered, kind: string, name: string) => find(r.objects, kind, name)!.spec.template.metadata.annotations ?? {};
const tlsData = (r: Rendered) => find(r.objects, "Secret", NAMES.tlsSecret)!.data;

describe.skipIf(!UPSTREAM).each(HELMS)("helm $version", (helm) => {
  const full = (raw: Record<string, unknown>, extra: string[] = []) => {
    const r = render({ helm, full: true, valuesFiles: [valuesFileForRaw(raw), ...extra] });
    if (r.code !== 0) throw new Error(r.stderr);
    return r;
  };
  const ca = generateCA("site-ca", 365);
  const given = () => generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, ca);

  it("every long-running pod that mounts harbor-tls carries checksum/harbor-tls (nginx and core); the Jobs read its ca.crt afresh each run", () => {
    const r = full({});
    const owners = mounting(r, NAMES.tlsSecret)
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .sort();
    const running = mounting(r, NAMES.tlsSecret).filter((o) => o.kind !== "Job");
    expect(running.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(["Deployment/harbor-core", "Deployment/harbor-nginx"]);
    expect(owners.filter((o) => o.startsWith("Job/")).map((o) => o.replace(/-\d+-[0-9a-f]+$/, ""))).toEqual([
      "Job/harbor-edge-configure",
      "Job/harbor-edge-report",
    ]);
    for (const o of running)
      expect(o.spec.template.metadata.annotations[TLS_CHECKSUM_ANNOTATION], o.metadata.name).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ["new extra SANs", {}, { auth: { certs: { extraSANs: ["harbor.lan"] } } }],
    ["a new VIP", { cluster: { vip: "10.0.0.5" } }, { cluster: { vip: "10.0.0.6" } }],
    ["another host name", {}, { cluster: { hostname: "registry.site.lan" } }],
  ])("%s: a new certificate, and nginx and core restart", (_n, before, after) => {
    const a = full(before);
    const b = full(after);
    for (const name of ["harbor-nginx", "harbor-core"]) {
      expect(annotationsOf(b, "Deployment", name)[TLS_CHECKSUM_ANNOTATION], name).not.toBe(
        annotationsOf(a, "Deployment", name)[TLS_CHECKSUM_ANNOTATION],
      );
    }
    expect(find(b.objects, "Secret", NAMES.tlsSecret)!.metadata.annotations!["harbor-edge.io/sans"]).not.toBe(
      find(a.objects, "Secret", NAMES.tlsSecret)!.metadata.annotations!["harbor-edge.io/sans"],
    );
  });

  it("a new given certificate: nginx and core restart; the same one again: nothing changes", () => {
    const one = given();
    const two = given();
    const spec = (c: { cert: string; key: string }) => ({
      cluster: { vip: "10.0.0.5" },
      auth: { certs: { crt: c.cert, key: c.key, ca: ca.cert } },
    });
    const a = full(spec(one));
    const again = full(spec(one));
    const b = full(spec(two));
    expect(tlsData(again)).toEqual(tlsData(a));
    for (const name of ["harbor-nginx", "harbor-core"])
      expect(annotationsOf(again, "Deployment", name)).toEqual(annotationsOf(a, "Deployment", name));
    expect(tlsData(b)).not.toEqual(tlsData(a));
    for (const name of ["harbor-nginx", "harbor-core"]) {
      expect(annotationsOf(b, "Deployment", name)[TLS_CHECKSUM_ANNOTATION]).not.toBe(
        annotationsOf(a, "Deployment", name)[TLS_CHECKSUM_ANNOTATION],
      );
    }
  });

  it("a harbor: block written for other SANs is refused by the guard, naming the annotation and the fix", () => {
    const r = render({ helm, full: true, valuesFiles: [valuesFileForRaw({})], set: ["harbor-config.auth.certs.extraSANs={harbor.lan}"] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("harbor.nginx.podAnnotations.checksum/harbor-tls");
    expect(r.stderr).toContain("harbor-edge values");
  });

  describe("against a cluster", () => {
    let kube: FakeKube;
    const serverArgs = ["--dry-run=server", ...(helm.major >= 4 ? ["--disable-openapi-validation"] : [])];
    const install = (raw: Record<string, unknown>) =>
      renderAsync({
        helm,
        full: true,
        valuesFiles: [valuesFileForRaw({ cluster: { uid: "abc123" }, ...raw })],
        extraArgs: serverArgs,
        env: { KUBECONFIG: kube.kubeconfig },
      });
    beforeAll(async () => {
      kube = await startFakeKube();
    });
    afterAll(() => kube.close());

    it("an unchanged upgrade keeps harbor-tls and every pod template; new SANs change both", async () => {
      const first = await install({});
      expect(first.stderr).toBe("");
      for (const o of first.objects.filter((x) => x.kind === "Secret" && x.metadata.namespace === "harbor")) kube.put(o);
      // the long-running workloads; a Job is made anew for every revision by design (the configuration run)
      const podTemplates = (r: Rendered) =>
        Object.fromEntries(
          r.objects.filter((o) => o.spec?.template && o.kind !== "Job").map((o) => [`${o.kind}/${o.metadata.name}`, o.spec.template]),
        );
      const again = await install({});
      expect(again.stderr).toBe("");
      expect(tlsData(again)).toEqual(tlsData(first));
      expect(podTemplates(again)).toEqual(podTemplates(first));
      const moved = await install({ auth: { certs: { extraSANs: ["192.168.7.7"] } } });
      expect(moved.stderr).toBe("");
      expect(tlsData(moved)["tls.crt"]).not.toBe(tlsData(first)["tls.crt"]);
      const changed = Object.entries(podTemplates(moved))
        .filter(([k, t]) => JSON.stringify(t) !== JSON.stringify(podTemplates(first)[k]))
        .map(([k]) => k)
        .sort();
      expect(changed).toEqual(["Deployment/harbor-core", "Deployment/harbor-nginx"]);
    });
  });
});
