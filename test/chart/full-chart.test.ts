// The full chart: ours with upstream harbor 1.19.1 from the offline chart cache, rendered by helm 3.18 and
// helm 4.1 for every example. Skipped, loudly, when the cache does not hold the upstream chart.
import { describe, it, expect, beforeAll } from "vitest";
import path from "node:path";
import yaml from "js-yaml";
import {
  HELMS,
  UPSTREAM,
  announceUpstream,
  render,
  lint,
  specOf,
  valuesFileFor,
  find,
  EXAMPLES,
  podSpecs,
  type Rendered,
} from "../helpers/chart.js";
import { schemaErrors, baselineViolations } from "../helpers/k8s.js";
import { insecureDefaults, leakedSecrets } from "../helpers/assert.js";
import { NAMES } from "../../generator/src/common/names.js";
import { configureJob } from "../helpers/job.js";

announceUpstream();

describe.each(HELMS)("helm $version", (helm) => {
  describe.skipIf(!UPSTREAM).each(EXAMPLES.map((f) => [path.basename(f), f]))(
    "%s, full chart with upstream harbor 1.19.1",
    (_name, file) => {
      const spec = specOf(file);
      let r: Rendered;
      beforeAll(() => {
        r = render({ helm, valuesFiles: [valuesFileFor(spec)], full: true });
        if (r.code !== 0) throw new Error(r.stderr);
      });

      it("helm lint passes", () => {
        const l = lint(helm, [valuesFileFor(spec)], true);
        expect(l.stderr + l.stdout).not.toMatch(/\[ERROR\]/);
        expect(l.code).toBe(0);
      });

      it("every object is valid against the Kubernetes API schemas", async () => {
        expect(await schemaErrors(r.objects)).toEqual([]);
      });

      it("the Service reaches ports the nginx container opens, and only nginx pods", () => {
        const svc = find(r.objects, "Service", NAMES.service)!;
        const nginx = find(r.objects, "Deployment", "harbor-nginx")!;
        const ports = nginx.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort);
        for (const p of svc.spec.ports) expect(ports).toContain(p.targetPort);
        const matches = (labels: Record<string, string>) => Object.entries(svc.spec.selector).every(([k, v]) => labels?.[k] === v);
        const selected = podSpecs(r.objects).filter(([owner]) =>
          matches(r.objects.find((o) => `${o.kind}/${o.metadata.name}` === owner)!.spec.template.metadata.labels),
        );
        expect(selected.map(([o]) => o)).toEqual(["Deployment/harbor-nginx"]);
        // upstream's own nginx Service stays ClusterIP under another name
        expect(find(r.objects, "Service", NAMES.upstreamNginxService)!.spec.type).toBe("ClusterIP");
      });

      it("upstream mounts our claims; no volumeClaimTemplates remain", () => {
        for (const o of r.objects) expect(o.spec?.volumeClaimTemplates, `${o.kind}/${o.metadata.name}`).toBeUndefined();
        const claims = podSpecs(r.objects).flatMap(([, ps]) =>
          (ps.volumes ?? []).filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.persistentVolumeClaim.claimName),
        );
        const ours = r.objects.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name);
        expect([...new Set(claims)].sort()).toEqual(ours.sort());
      });

      it("renders no insecure upstream default, not even inside Secret data", () => {
        expect(insecureDefaults(r)).toEqual([]);
      });

      it("puts no secret value into a ConfigMap or an annotation", () => {
        expect(leakedSecrets(r.objects)).toEqual([]);
      });

      it("every pod meets Pod Security baseline; every container has requests and limits", () => {
        for (const [owner, ps] of podSpecs(r.objects)) {
          expect(baselineViolations(ps), owner).toEqual([]);
          for (const c of [...(ps.initContainers ?? []), ...ps.containers]) {
            expect(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${owner} ${c.name} requests`).toBeTruthy();
            expect(c.resources?.limits?.cpu && c.resources?.limits?.memory, `${owner} ${c.name} limits`).toBeTruthy();
          }
        }
      });

      it("registry and jobservice, on ReadWriteOnce volumes, update with Recreate (a rolling update would deadlock)", () => {
        for (const name of ["harbor-registry", "harbor-jobservice"])
          expect(find(r.objects, "Deployment", name)!.spec.strategy.type, name).toBe("Recreate");
      });

      it("core reads the admin password, keys and token certificate from our Secrets", () => {
        const core = find(r.objects, "Deployment", "harbor-core")!.spec.template.spec;
        const env = Object.fromEntries(core.containers[0].env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef?.name]));
        expect(env.HARBOR_ADMIN_PASSWORD).toBe(spec.auth.existingSecret || NAMES.adminSecret);
        expect(env.CORE_SECRET).toBe(NAMES.coreSecret);
        expect(env.CSRF_KEY).toBe(NAMES.coreSecret);
        const vols = Object.fromEntries(core.volumes.map((v: any) => [v.name, v.secret?.secretName]));
        expect(vols["secret-key"]).toBe(NAMES.coreSecret);
        expect(vols["token-service-private-key"]).toBe(NAMES.coreSecret);
        expect(vols["ca-download"]).toBe(NAMES.tlsSecret);
        const cm = find(r.objects, "ConfigMap", "harbor-core")!;
        expect(cm.data.EXT_ENDPOINT).toMatch(/^https:\/\//);
      });

      it("the database fixes its data ownership before it starts, and takes our password", () => {
        const db = find(r.objects, "StatefulSet", "harbor-database");
        if (spec.database.type !== "internal") {
          expect(db).toBeUndefined();
          return;
        }
        const ps = db!.spec.template.spec;
        const fix = ps.initContainers.find((c: any) => c.name === "data-ownership");
        expect(fix.args.join(" ")).toContain("chown -R 999:999 /var/lib/postgresql/data/pgdata");
        expect(fix.securityContext.capabilities.add.sort()).toEqual(["CHOWN", "DAC_OVERRIDE", "FOWNER"]);
        const pw = ps.containers[0].env.find((e: any) => e.name === "POSTGRES_PASSWORD");
        expect(pw.valueFrom.secretKeyRef).toEqual({ name: NAMES.databaseSecret, key: "password" });
      });

      it.each([
        ["Deployment", "harbor-registry", "registry"],
        ["Deployment", "harbor-jobservice", "jobservice"],
        ["StatefulSet", "harbor-trivy", "trivy"],
      ])(
        "%s %s gives its data volume to the uid it runs as before it starts (fsGroup alone fails on NFS and hostPath)",
        (kind, name, container) => {
          const o = find(r.objects, kind, name);
          if (name === "harbor-trivy" && !spec.trivy.enabled) return expect(o).toBeUndefined();
          const ps = o!.spec.template.spec;
          const uid = ps.securityContext.runAsUser;
          expect(uid).toBe(10000);
          const main = ps.containers.find((c: any) => c.name === container);
          const fix = ps.initContainers.find((c: any) => c.name === "data-ownership");
          expect(fix.volumeMounts).toHaveLength(1);
          const [m] = fix.volumeMounts;
          // the volume and path the component writes its data to
          const data = main.volumeMounts.find((v: any) => v.name === m.name);
          expect(data, `${name} mounts ${m.name}`).toBeDefined();
          expect(data.mountPath).toBe(m.mountPath);
          expect(ps.volumes.map((v: any) => v.name)).toContain(m.name);
          expect(fix.args.join(" ")).toContain(`chown ${uid}:${uid} ${m.mountPath};`);
          expect(fix.image).toBe(main.image);
          expect(fix.securityContext.runAsUser).toBe(0);
          expect(fix.securityContext.capabilities.add.sort()).toEqual(["CHOWN", "DAC_OVERRIDE", "FOWNER"]);
          if (name === "harbor-registry" && spec.storage.backend?.type !== "s3") {
            expect(ps.volumes.find((v: any) => v.name === m.name).persistentVolumeClaim.claimName).toBe(NAMES.pvc.registry);
          }
        },
      );

      it("nginx listens on IPv6 only when network.ipv6 is on", () => {
        const cm = find(r.objects, "ConfigMap", "harbor-nginx")!;
        expect(cm.data["nginx.conf"].includes("listen [::]")).toBe(spec.network.ipv6 === true);
      });

      it("the S3 backend reaches the registry (type, bucket, endpoint override, no redirect)", () => {
        const reg = find(r.objects, "Deployment", "harbor-registry")!.spec.template.spec.containers[0];
        const cm = yaml.load(find(r.objects, "ConfigMap", "harbor-registry")!.data["config.yml"]) as any;
        if (spec.storage.backend?.type !== "s3") {
          expect(cm.storage.filesystem).toBeDefined();
          return;
        }
        const s3 = spec.storage.backend.s3!;
        expect(cm.storage.s3.bucket).toBe(s3.bucket);
        expect(cm.storage.redirect?.disable).toBe(s3.disableRedirect);
        // upstream's own keys carry the endpoint; the environment only what its template cannot write
        expect(cm.storage.s3.regionendpoint).toBe(s3.endpoint || undefined);
        const env = Object.fromEntries(reg.env.map((e: any) => [e.name, e.value]));
        expect(env.REGISTRY_STORAGE_S3_REGIONENDPOINT).toBeUndefined();
        expect(env.REGISTRY_STORAGE_S3_FORCEPATHSTYLE).toBe(String(s3.forcePathStyle));
        expect(reg.envFrom.map((e: any) => e.secretRef?.name)).toContain(s3.existingSecret);
      });
    },
  );
});

describe.skipIf(!UPSTREAM).each(HELMS)("another release name and namespace (helm $version)", (helm) => {
  it("the Service still selects exactly the nginx pods; the Job and the certificate follow the namespace", async () => {
    const { X509Certificate } = await import("node:crypto");
    const { decode } = await import("../helpers/chart.js");
    const r = render({ helm, full: true, release: "edge-registry", namespace: "registry", set: ["harbor-config.cluster.uid=abc123"] });
    expect(r.stderr).toBe("");
    const svc = find(r.objects, "Service", NAMES.service)!;
    expect(svc.spec.selector.release).toBe("edge-registry");
    const matches = (labels: Record<string, string>) => Object.entries(svc.spec.selector).every(([k, v]) => labels?.[k] === v);
    const selected = r.objects
      .filter((o) => o.spec?.template?.metadata?.labels && matches(o.spec.template.metadata.labels))
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(selected).toEqual(["Deployment/harbor-nginx"]);
    const job = configureJob(r.objects)!;
    // configure and report reach Harbor over TLS through the Service, by a name the certificate carries, with the
    // chart's CA (ca.crt of harbor-tls) mounted where HARBOR_CA_FILE says
    const tls = find(r.objects, "Secret", NAMES.tlsSecret)!;
    const cert = new X509Certificate(decode(tls.data["tls.crt"]));
    const ca = new X509Certificate(decode(tls.data["ca.crt"]));
    expect(cert.verify(ca.publicKey)).toBe(true);
    const report = r.objects.find((o) => o.kind === "Job" && o.metadata.labels?.["app.kubernetes.io/component"] === "report")!;
    for (const pod of [job.spec.template.spec, report.spec.template.spec]) {
      const env = Object.fromEntries(pod.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
      expect(env.HARBOR_URL).toBe("https://harbor.registry.svc");
      expect(cert.subjectAltName).toContain(`DNS:${new URL(env.HARBOR_URL).hostname}`);
      expect(env.HARBOR_TLS_SERVER_NAME).toBeUndefined();
      const mount = pod.containers[0].volumeMounts.find((m: any) => env.HARBOR_CA_FILE === `${m.mountPath}/ca.crt`);
      expect(pod.volumes.find((v: any) => v.name === mount.name).secret).toEqual({
        secretName: NAMES.tlsSecret,
        items: [{ key: "ca.crt", path: "ca.crt" }],
      });
    }
    // in Palette's namespace: registry-info, and the Role (and its binding) that lets the configuration runs keep it
    const palette = r.objects.filter((x) => x.metadata.namespace === "cluster-abc123").map((o) => `${o.kind}/${o.metadata.name}`);
    expect(palette.sort()).toEqual([
      "Role/harbor-edge-configure-edge-registry",
      "RoleBinding/harbor-edge-configure-edge-registry",
      "Secret/registry-info",
    ]);
    for (const o of r.objects.filter((x) => x.metadata.namespace !== "cluster-abc123"))
      expect(o.metadata.namespace ?? "registry", `${o.kind}/${o.metadata.name}`).toBe("registry");
  });
});
