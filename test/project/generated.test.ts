// Generated artefacts carry the banner and match what `npm run generate` writes from schemas/.
import { describe, it, expect } from "vitest";
import { ARTEFACTS, expected } from "../../generator/scripts/codegen/artefacts.js";
import { GENERATED_NOTICE } from "../../generator/src/common/banner.js";
import { UPSTREAM, announceUpstream } from "../helpers/chart.js";
import fs from "node:fs";
import path from "node:path";
import { CHART_DIR } from "../../generator/src/paths.js";

announceUpstream();

describe("generated from schemas/", () => {
  for (const a of ARTEFACTS.filter((x) => x.file !== "chart/Chart.yaml")) {
    it(`${a.file} is up to date (else: run npm run generate)`, async () => {
      const { current, want } = await expected(a);
      expect(current.includes(GENERATED_NOTICE), `${a.file} lacks the "${GENERATED_NOTICE}" banner`).toBe(true);
      expect(current === want, `${a.file} drifted from schemas/: run npm run generate`).toBe(true);
    });
  }

  it('every chart/files/*.json table is generated, and says so in its "//" key (JSON has no comments)', () => {
    const tables = fs.readdirSync(path.join(CHART_DIR, "files")).filter((f) => f.endsWith(".json"));
    expect(tables.length).toBeGreaterThanOrEqual(4);
    for (const f of tables) {
      expect(
        ARTEFACTS.map((a) => a.file),
        `chart/files/${f} is not generated`,
      ).toContain(`chart/files/${f}`);
      const parsed = JSON.parse(fs.readFileSync(path.join(CHART_DIR, "files", f), "utf8")) as Record<string, unknown>;
      expect(Object.keys(parsed)[0]).toBe("//");
      expect(String(parsed["//"]).startsWith(GENERATED_NOTICE), `chart/files/${f}'s "//" key`).toBe(true);
    }
  });

  it.skipIf(!UPSTREAM)(
    "chart/Chart.yaml lists the images of the default render (artifacthub.io/images; else: run npm run generate)",
    async () => {
      const { current, want } = await expected(ARTEFACTS.find((x) => x.file === "chart/Chart.yaml")!);
      expect(current === want, "chart/Chart.yaml's artifacthub.io/images drifted: run npm run generate").toBe(true);
    },
  );
});
