// The chart people pull (its `helm lint --strict`: test/chart/lint-strict.test.ts): the archive from `helm package`
// carries the upstream chart; pushed with `helm push` to a real OCI registry on loopback (Debian's docker-registry) and
// rendered from there with `helm template oci://...` at the pinned version, it is byte-identical to rendering
// chart/ with the same values and secrets file. On helm 3.18 and 4.1.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { HELMS, UPSTREAM, announceUpstream, render, specOf, valuesFileFor } from "../helpers/chart.js";
import { packageChart, CHART_NAME } from "../../generator/src/chart/package.js";
import { chartVersion } from "../../generator/src/common/version.js";
import { untgz } from "../../generator/scripts/upstream-chart.js";
import { DEFAULT_SPEC } from "../../generator/src/paths.js";
import { cli } from "../helpers/cli.js";
import { ensureDebianPackage } from "../helpers/debian.js";
import { startRegistry, type RunningRegistry } from "../helpers/docker-registry.js";

announceUpstream();

const registryBin = UPSTREAM
  ? ensureDebianPackage("docker-registry", "docker-registry")
  : { why: "the upstream chart is not in the chart cache" };
if (registryBin.why)
  process.stderr.write(`\n*** NOT RUN: the OCI registry round trip (helm push, helm template oci://): ${registryBin.why} ***\n\n`);

describe.skipIf(!registryBin.bin)("the chart through a real OCI registry", () => {
  const version = chartVersion();
  let tmp = "";
  let registry: RunningRegistry;
  let values: string;
  let secrets = "";
  // helm's own files (registry credentials, cache) in the temporary directory, not the user's
  const helmEnv = () => ({
    ...process.env,
    HELM_REGISTRY_CONFIG: path.join(tmp, "registry.json"),
    HELM_CACHE_HOME: path.join(tmp, "cache"),
    HELM_CONFIG_HOME: path.join(tmp, "config"),
    HELM_DATA_HOME: path.join(tmp, "data"),
  });
  const helmRun = (bin: string, args: string[]) => spawnSync(bin, args, { encoding: "utf8", env: helmEnv(), maxBuffer: 256 * 1024 * 1024 });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-shippable-oci-"));
    secrets = path.join(tmp, "secrets.yaml");
    registry = await startRegistry({ name: "harbor-edge-shippable", bin: registryBin.bin });
    values = valuesFileFor(specOf(DEFAULT_SPEC));
    const s = cli(["secrets", DEFAULT_SPEC, "-o", secrets]);
    if (s.code !== 0) throw new Error(s.stderr);
  }, 300_000);

  afterAll(async () => {
    await registry?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const helm of HELMS) {
    it(`helm ${helm.version}: package (upstream inside), push, and template oci:// byte-identical to chart/`, () => {
      const archive = packageChart(helm, path.join(tmp, `h${helm.major}`));
      expect(path.basename(archive)).toBe(`${CHART_NAME}-${version}.tgz`);
      const inside = [...untgz(fs.readFileSync(archive)).keys()];
      expect(inside).toContain(`${CHART_NAME}/charts/harbor/Chart.yaml`);
      expect(inside).toContain(`${CHART_NAME}/templates/secret-admin.yaml`);

      const repo = `oci://${registry.host}/charts-h${helm.major}`;
      const push = helmRun(helm.bin, ["push", archive, repo, "--plain-http"]);
      expect(push.status, push.stderr).toBe(0);

      const pulled = helmRun(helm.bin, [
        "template",
        "harbor",
        `${repo}/${CHART_NAME}`,
        "--version",
        version,
        "--plain-http",
        "--namespace",
        "harbor",
        "-f",
        values,
        "-f",
        secrets,
      ]);
      expect(pulled.status, pulled.stderr).toBe(0);
      const local = render({ helm, valuesFiles: [values, secrets], full: true });
      expect(local.code, local.stderr).toBe(0);
      expect(local.objects.length).toBeGreaterThan(30);
      expect(pulled.stdout === local.text, "helm template oci://... differs from rendering chart/").toBe(true);
    });
  }

  it("the registry holds the chart as an OCI artifact at the pinned version (tag list)", async () => {
    const r = await fetch(`http://${registry.host}/v2/charts-h${HELMS[0].major}/${CHART_NAME}/tags/list`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { tags: string[] }).tags).toEqual([version]);
  });
});
