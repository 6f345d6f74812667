// Server certificates browsers accept and that never lapse unnoticed: a generated leaf lasts about a year
// (at most 825 days, Apple's limit), the CA ten years; any install or upgrade within 30 days of the leaf's
// expiry signs a new one with the same CA. The expiry is recorded on harbor-tls (annotation
// harbor-edge.io/not-after) because Helm cannot read X.509. A fake Kubernetes API plays the cluster.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { X509Certificate } from "node:crypto";
import { HELMS, render, renderAsync, renderNotesAsync, find, decode, type Rendered } from "../helpers/chart.js";
import { startFakeKube, type FakeKube } from "../fakes/kube-api.js";
import { NAMES } from "../../generator/src/common/names.js";
import { generateCA, generateServerCert, type KeyAndCert } from "../../generator/src/certs/generate.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { rfc3339 } from "../../generator/src/secrets/generate.js";

const DAY = 86400000;
const leafOf = (r: Rendered) => new X509Certificate(decode(find(r.objects, "Secret", NAMES.tlsSecret)!.data["tls.crt"]));
const daysLeft = (c: X509Certificate) => (new Date(c.validTo).getTime() - Date.now()) / DAY;

describe("validate: validity of generated certificates", () => {
  it("refuses a server certificate longer than 825 days, naming the field", () => {
    const r = validateSpec({ auth: { certs: { validityDays: 3650 } } });
    expect(r.errors.map((e) => e.path)).toContain("harbor-config.auth.certs.validityDays");
  });
  it("defaults: server certificate 397 days, CA 3650", () => {
    const s = validateSpec({}).spec as any;
    expect(s.auth.certs.validityDays).toBe(397);
    expect(s.auth.certs.caValidityDays).toBe(3650);
  });
});

describe.each(HELMS)("helm $version", (helm) => {
  it("a fresh render: leaf about a year, CA ten years, the expiry recorded", () => {
    const r = render({ helm });
    expect(r.stderr).toBe("");
    const leaf = leafOf(r);
    const ca = new X509Certificate(decode(find(r.objects, "Secret", NAMES.caSecret)!.data["tls.crt"]));
    expect(Math.round(daysLeft(leaf))).toBe(397);
    expect(Math.round(daysLeft(ca))).toBe(3650);
    const recorded = find(r.objects, "Secret", NAMES.tlsSecret)!.metadata.annotations!["harbor-edge.io/not-after"];
    expect(Math.abs(new Date(recorded).getTime() - new Date(leaf.validTo).getTime())).toBeLessThanOrEqual(2000);
  });

  it("a secrets file whose certificate is within 30 days of expiry: a new one from the file's CA", async () => {
    const yaml = (await import("js-yaml")).default;
    const { tmpFile, valuesFileFor, specOf, EXAMPLES } = await import("../helpers/chart.js");
    const { generateSecrets } = await import("../../generator/src/secrets/generate.js");
    const spec = specOf(EXAMPLES.find((f) => f.endsWith("edge-single-node.yaml"))!);
    const secrets = generateSecrets(spec, { namespace: "harbor", now: new Date(Date.now() - 380 * DAY) }) as any;
    expect(Math.round(daysLeft(new X509Certificate(secrets.tls.crt)))).toBe(17);
    const r = render({ helm, valuesFiles: [valuesFileFor(spec), tmpFile("secrets.yaml", yaml.dump({ secrets }))] });
    expect(r.stderr).toBe("");
    const leaf = leafOf(r);
    expect(Math.round(daysLeft(leaf))).toBe(397);
    expect(leaf.verify(new X509Certificate(secrets.tls.caCrt).publicKey)).toBe(true);
  });

  describe("against a cluster", () => {
    let kube: FakeKube;
    let ca: KeyAndCert;
    let sans: string;
    const serverArgs = ["--dry-run=server", ...(helm.major >= 4 ? ["--disable-openapi-validation"] : [])];
    const install = () =>
      renderAsync({ helm, set: ["harbor-config.cluster.uid=abc123"], extraArgs: serverArgs, env: { KUBECONFIG: kube.kubeconfig } });
    /** harbor-tls as an earlier release left it: a leaf of the kept CA valid for `days` more days */
    const leave = (days: number, recordExpiry = true) => {
      const names = sans.split(",");
      const isIp = (n: string) => /^[0-9.]+$|:/.test(n);
      const leaf = generateServerCert("spectro.registry.local", { dns: names.filter((n) => !isIp(n)), ips: names.filter(isIp) }, days, ca);
      const annotations: Record<string, string> = { "harbor-edge.io/sans": sans, "harbor-edge.io/certificate-source": "generated" };
      if (recordExpiry) annotations["harbor-edge.io/not-after"] = rfc3339(new X509Certificate(leaf.cert).validTo);
      const b64 = (s: string) => Buffer.from(s).toString("base64");
      kube.put({
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/tls",
        metadata: { name: NAMES.tlsSecret, namespace: "harbor", annotations },
        data: { "tls.crt": b64(leaf.cert), "tls.key": b64(leaf.key), "ca.crt": b64(ca.cert) },
      });
      return leaf;
    };

    beforeAll(async () => {
      kube = await startFakeKube();
      ca = generateCA("harbor-edge-ca", 3650);
      const b64 = (s: string) => Buffer.from(s).toString("base64");
      kube.put({
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/tls",
        metadata: { name: NAMES.caSecret, namespace: "harbor" },
        data: { "tls.crt": b64(ca.cert), "tls.key": b64(ca.key) },
      });
      const r = render({ helm, set: ["harbor-config.cluster.uid=abc123"] });
      sans = find(r.objects, "Secret", NAMES.tlsSecret)!.metadata.annotations!["harbor-edge.io/sans"];
    });
    afterAll(() => kube.close());

    it("a leaf with 100 days left is kept as it is (an upgrade changes nothing)", async () => {
      const leaf = leave(100);
      const r = await install();
      expect(r.stderr).toBe("");
      expect(decode(find(r.objects, "Secret", NAMES.tlsSecret)!.data["tls.crt"])).toBe(leaf.cert);
      const again = await install();
      expect(find(again.objects, "Secret", NAMES.tlsSecret)).toEqual(find(r.objects, "Secret", NAMES.tlsSecret));
    });

    it("a leaf within 30 days of expiry is re-issued by the same CA, with its new expiry recorded", async () => {
      const old = leave(20);
      const r = await install();
      expect(r.stderr).toBe("");
      const tls = find(r.objects, "Secret", NAMES.tlsSecret)!;
      expect(decode(tls.data["tls.crt"])).not.toBe(old.cert);
      const leaf = leafOf(r);
      const caCert = new X509Certificate(ca.cert);
      expect(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey)).toBe(true);
      expect(decode(tls.data["ca.crt"])).toBe(ca.cert);
      expect(decode(find(r.objects, "Secret", NAMES.caSecret)!.data["tls.crt"])).toBe(ca.cert);
      expect(Math.round(daysLeft(leaf))).toBe(397);
      expect(
        Math.abs(new Date(tls.metadata.annotations!["harbor-edge.io/not-after"]).getTime() - new Date(leaf.validTo).getTime()),
      ).toBeLessThanOrEqual(2000);
      expect(tls.metadata.annotations!["harbor-edge.io/sans"]).toBe(sans);
    });

    it("NOTES: the expiry, and after a renewal by an upgrade, the command that restarts nginx onto it", async () => {
      const notes = () =>
        renderNotesAsync({ helm, set: ["harbor-config.cluster.uid=abc123"], extraArgs: serverArgs, env: { KUBECONFIG: kube.kubeconfig } });
      const old = leave(20);
      const renewed = await notes();
      expect(renewed.stderr).toBe("");
      expect(renewed.notes).toContain("This upgrade renewed it (same CA)");
      expect(renewed.notes).toContain("kubectl rollout restart deployment/harbor-nginx --namespace harbor");
      expect(renewed.notes).toMatch(/The server certificate expires on \d{4}-\d\d-\d\dT/);
      expect(renewed.notes).not.toContain(rfc3339(new X509Certificate(old.cert).validTo));
      leave(100);
      const kept = await notes();
      expect(kept.notes).not.toContain("renewed");
      expect(kept.notes).toMatch(/The server certificate expires on \d{4}-/);
    });

    it("a leaf whose expiry was never recorded (an earlier chart version) is re-issued once", async () => {
      const old = leave(3000, false);
      const r = await install();
      expect(decode(find(r.objects, "Secret", NAMES.tlsSecret)!.data["tls.crt"])).not.toBe(old.cert);
      expect(Math.round(daysLeft(leafOf(r)))).toBe(397);
    });
  });
});
