// Generated credentials are made once and kept: an upgrade (or a reinstall over the objects that
// helm.sh/resource-policy: keep left behind) finds them through Helm's lookup and renders them unchanged.
// A fake Kubernetes API on loopback plays the cluster; `helm template --dry-run=server` asks it.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { X509Certificate } from "node:crypto";
import { HELMS, UPSTREAM, announceUpstream, renderAsync, find, decode, tmpFile, type K8sObject, type Rendered } from "../helpers/chart.js";
import { startFakeKube, type FakeKube } from "../fakes/kube-api.js";
import { NAMES } from "../../generator/src/common/names.js";
import { subjectAltNames } from "../../generator/src/certs/pem.js";
import { tlsChecksum, TLS_CHECKSUM_ANNOTATION } from "../../generator/src/values/derive.js";
import { validateSpec } from "../../generator/src/spec/validate.js";

announceUpstream();
const OURS = [
  NAMES.adminSecret,
  NAMES.tlsSecret,
  NAMES.caSecret,
  NAMES.coreSecret,
  NAMES.jobserviceSecret,
  NAMES.registrySecret,
  NAMES.databaseSecret,
];

describe.each(HELMS)("helm $version against a cluster", (helm) => {
  let kube: FakeKube;
  const serverArgs = ["--dry-run=server", ...(helm.major >= 4 ? ["--disable-openapi-validation"] : [])];
  const install = (set: string[] = [], valuesFiles: string[] = []) =>
    renderAsync({
      helm,
      set: ["harbor-config.cluster.uid=abc123", ...set],
      valuesFiles,
      extraArgs: serverArgs,
      env: { KUBECONFIG: kube.kubeconfig },
      full: Boolean(UPSTREAM),
    });
  const keep = (r: Rendered) =>
    r.objects.filter((o) => o.kind === "Secret" && (OURS as string[]).includes(o.metadata.name)).forEach((o) => kube.put(o));
  let first: Rendered;

  beforeAll(async () => {
    kube = await startFakeKube();
    first = await install();
    if (first.code !== 0) throw new Error(first.stderr);
    keep(first);
  });
  afterAll(() => kube.close());

  it("the install asked the cluster for each of our Secrets", () => {
    for (const name of OURS) expect(kube.requests).toContain(`GET /api/v1/namespaces/harbor/secrets/${name}`);
  });

  it("an upgrade with unchanged values renders byte-identical manifests (nothing restarts)", async () => {
    const again = await install();
    expect(again.stderr).toBe("");
    expect(again.text).toBe(first.text);
  });

  it("the generated admin password stays, in harbor-edge-admin and registry-info", async () => {
    const again = await install();
    const pw = (r: Rendered) => decode(find(r.objects, "Secret", NAMES.adminSecret)!.data.HARBOR_ADMIN_PASSWORD);
    expect(pw(again)).toBe(pw(first));
    expect(decode(find(again.objects, "Secret", NAMES.registryInfoSecret)!.data.SPECTRO_USER_PASSWORD)).toBe(pw(first));
  });

  it("a new VIP re-signs the server certificate with the kept CA", async () => {
    // harbor-edge values for the new VIP: the harbor: block carries the new certificate checksum
    const sum = tlsChecksum(validateSpec({ cluster: { uid: "abc123", vip: "10.20.30.40" } }).spec as any);
    const moved = await install([
      "harbor-config.cluster.vip=10.20.30.40",
      `harbor.nginx.podAnnotations.${TLS_CHECKSUM_ANNOTATION}=${sum}`,
      `harbor.core.podAnnotations.${TLS_CHECKSUM_ANNOTATION}=${sum}`,
    ]);
    expect(moved.code).toBe(0);
    const ca = (r: Rendered) => find(r.objects, "Secret", NAMES.caSecret)!.data["tls.crt"];
    expect(ca(moved)).toBe(ca(first));
    const tls = (r: Rendered) => find(r.objects, "Secret", NAMES.tlsSecret)!;
    expect(tls(moved).data["tls.crt"]).not.toBe(tls(first).data["tls.crt"]);
    const cert = new X509Certificate(decode(tls(moved).data["tls.crt"]));
    expect(subjectAltNames(cert).ips).toContain("10.20.30.40");
    expect(cert.verify(new X509Certificate(decode(ca(first))).publicKey)).toBe(true);
    expect(tls(moved).metadata.annotations!["harbor-edge.io/certificate-source"]).toBe("generated");
    expect(tls(first).metadata.annotations!["harbor-edge.io/certificate-source"]).toBe("generated");
  });

  it("the kept certificate and CA are the ones first made", async () => {
    const again = await install();
    for (const name of [NAMES.tlsSecret, NAMES.caSecret])
      expect(find(again.objects, "Secret", name)!.data, name).toEqual(find(first.objects, "Secret", name)!.data);
  });

  it("a changed password replaces the kept one everywhere", async () => {
    const changed = await install(["harbor-config.auth.password=Rotated-Pass-42"]);
    expect(decode(find(changed.objects, "Secret", NAMES.adminSecret)!.data.HARBOR_ADMIN_PASSWORD)).toBe("Rotated-Pass-42");
    expect(decode(find(changed.objects, "Secret", NAMES.registryInfoSecret)!.data.SPECTRO_USER_PASSWORD)).toBe("Rotated-Pass-42");
  });

  it("registry-info takes the password from auth.existingSecret when it exists", async () => {
    kube.put({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "admin-from-vault", namespace: "harbor" },
      data: { HARBOR_ADMIN_PASSWORD: Buffer.from("Vault-Pass-7").toString("base64") },
    });
    const r = await install(
      [],
      [
        tmpFile(
          "v.yaml",
          "harbor-config:\n  auth:\n    existingSecret: admin-from-vault\nharbor:\n  existingSecretAdminPassword: admin-from-vault\n",
        ),
      ],
    );
    expect(r.stderr).toBe("");
    expect(find(r.objects, "Secret", NAMES.adminSecret)).toBeUndefined();
    expect(decode(find(r.objects, "Secret", NAMES.registryInfoSecret)!.data.SPECTRO_USER_PASSWORD)).toBe("Vault-Pass-7");
  });

  it("a secrets file may not change the database password or the encryption key in use", async () => {
    const dbPassword = decode(find(first.objects, "Secret", NAMES.databaseSecret)!.data.password);
    const changed = await install(
      [],
      [tmpFile("s.yaml", "secrets:\n  databasePassword: Another-Db-Pass-123456\n  secretKey: 0123456789abcdef\n")],
    );
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toMatch(/secrets\.(databasePassword|secretKey) differs from the value this installation already uses/);
    expect(changed.stderr).not.toContain(dbPassword);
    // the values in use are accepted
    const same = await install([], [tmpFile("s.yaml", `secrets:\n  databasePassword: ${dbPassword}\n`)]);
    expect(same.stderr).toBe("");
  });

  it("every kept Secret carries the keep policy, so uninstall leaves it for a reinstall", () => {
    for (const name of OURS)
      expect((find(first.objects, "Secret", name) as K8sObject).metadata.annotations?.["helm.sh/resource-policy"], name).toBe("keep");
  });
});
