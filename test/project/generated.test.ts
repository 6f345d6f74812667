// Generated artefacts carry the banner and match what `npm run generate` writes from schemas/.
import { describe, it, expect } from "vitest";
import { ARTEFACTS, expected } from "../../generator/scripts/codegen/artefacts.js";
import { GENERATED_NOTICE } from "../../generator/src/common/banner.js";
import { UPSTREAM, announceUpstream } from "../helpers/chart.js";
import fs from "node:fs";
import path from "node:path";
import { CHART_DIR } from "../../generator/src/paths.js";
import { NAMES } from "../../generator/src/common/names.js";
import { BUILTIN_PROXY } from "../../generator/src/spec/registries.js";

announceUpstream();

describe("generated from schemas/", () => {
  for (const a of ARTEFACTS.filter((x) => x.file !== "chart/Chart.yaml")) {
    it(`${a.file} is up to date (else: run npm run generate)`, async () => {
      const { current, want } = await expected(a);
      expect(current.includes(GENERATED_NOTICE), `${a.file} lacks the "${GENERATED_NOTICE}" banner`).toBe(true);
      expect(current === want, `${a.file} drifted from schemas/: run npm run generate`).toBe(true);
    });
  }

  it("the chart's names of upstream-facing objects and its built-in registries are defined only in the generated _generated.tpl, never by hand", () => {
    const dir = path.join(CHART_DIR, "templates");
    const generated = fs.readFileSync(path.join(dir, "_generated.tpl"), "utf8");
    const helpers = [...generated.matchAll(/define "(harbor-edge\.[A-Za-z.]+)"/g)].map((m) => m[1]);
    expect(helpers).toEqual(expect.arrayContaining(["harbor-edge.name.service", "harbor-edge.name.tls", "harbor-edge.name.pvc", "harbor-edge.builtinProxyRegistries"]));
    for (const f of fs.readdirSync(dir).filter((x) => x !== "_generated.tpl")) {
      const text = fs.readFileSync(path.join(dir, f), "utf8");
      for (const h of helpers) expect(text.includes(`define "${h}"`), `${f} defines ${h} again`).toBe(false);
      for (const [host, b] of Object.entries(BUILTIN_PROXY)) expect(text.includes(`"${b.url}"`) && text.includes(`"${host}"`), `${f} writes ${host} again`).toBe(false);
    }
    for (const name of [NAMES.service, NAMES.tlsSecret, NAMES.registryInfoSecret, ...Object.values(NAMES.pvc)]) expect(generated).toContain(name);
  });

  it.skipIf(!UPSTREAM)("chart/Chart.yaml lists the images of the default render (artifacthub.io/images; else: run npm run generate)", async () => {
    const { current, want } = await expected(ARTEFACTS.find((x) => x.file === "chart/Chart.yaml")!);
    expect(current === want, "chart/Chart.yaml's artifacthub.io/images drifted: run npm run generate").toBe(true);
  });
});
