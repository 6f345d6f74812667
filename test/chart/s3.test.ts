// The S3 backend on the rendered registry ConfigMap: upstream 1.19.1's registry-cm.yaml writes regionendpoint,
// secure (only when true) and rootdirectory from persistence.imageChartStorage.s3, so those go through
// upstream's values; only what it cannot write (forcepathstyle, secure=false) is an environment override, on
// the registry and on registryctl (garbage collection reads the same configuration).
import { describe, it, expect } from "vitest";
import yaml from "js-yaml";
import { HELMS, UPSTREAM, announceUpstream, render, find, valuesFileForRaw, type Rendered } from "../helpers/chart.js";

announceUpstream();

const s3Spec = (s3: Record<string, unknown>) => ({
  storage: { backend: { type: "s3", s3: { bucket: "harbor", existingSecret: "s3-creds", ...s3 } } },
});
const configOf = (r: Rendered) => (yaml.load(find(r.objects, "ConfigMap", "harbor-registry")!.data["config.yml"]) as any).storage.s3;
function envOf(r: Rendered, container: string): Record<string, string> {
  const c = find(r.objects, "Deployment", "harbor-registry")!.spec.template.spec.containers.find((x: any) => x.name === container);
  return Object.fromEntries((c.env ?? []).filter((e: any) => e.name.startsWith("REGISTRY_STORAGE_S3_")).map((e: any) => [e.name, e.value]));
}

describe.skipIf(!UPSTREAM).each(HELMS)("helm $version", (helm) => {
  const full = (raw: Record<string, unknown>) => {
    const r = render({ helm, full: true, valuesFiles: [valuesFileForRaw(raw)] });
    if (r.code !== 0) throw new Error(r.stderr);
    return r;
  };

  it("an https endpoint with a root directory: all in upstream's keys, only path style as an override", () => {
    const r = full(s3Spec({ endpoint: "https://minio.example:9000", rootDirectory: "/harbor", forcePathStyle: true }));
    const s3 = configOf(r);
    expect(s3.regionendpoint).toBe("https://minio.example:9000");
    expect(s3.secure).toBe(true);
    expect(s3.rootdirectory).toBe("/harbor");
    for (const c of ["registry", "registryctl"]) expect(envOf(r, c), c).toEqual({ REGISTRY_STORAGE_S3_FORCEPATHSTYLE: "true" });
  });

  it("an http endpoint: upstream drops secure=false, so the override says it", () => {
    const r = full(s3Spec({ endpoint: "http://seaweedfs-s3.storage.svc:8333", forcePathStyle: false }));
    const s3 = configOf(r);
    expect(s3.regionendpoint).toBe("http://seaweedfs-s3.storage.svc:8333");
    expect(s3.secure).toBeUndefined();
    expect(s3.rootdirectory).toBeUndefined();
    for (const c of ["registry", "registryctl"])
      expect(envOf(r, c), c).toEqual({ REGISTRY_STORAGE_S3_SECURE: "false", REGISTRY_STORAGE_S3_FORCEPATHSTYLE: "false" });
  });

  it("AWS (no endpoint): no regionendpoint, secure", () => {
    const s3 = configOf(full(s3Spec({})));
    expect(s3.regionendpoint).toBeUndefined();
    expect(s3.secure).toBe(true);
  });

  it("a harbor: block written for another endpoint is refused by the guard", () => {
    const r = render({
      helm,
      full: true,
      valuesFiles: [valuesFileForRaw(s3Spec({ endpoint: "https://a.example" }))],
      set: ["harbor-config.storage.backend.s3.endpoint=https://b.example"],
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("harbor.persistence.imageChartStorage.s3.regionendpoint");
  });
});
