// Generated artefacts carry the banner and match what `npm run generate` writes from schemas/.
import { describe, it, expect } from "vitest";
import { ARTEFACTS, expected } from "../generator/src/codegen/artefacts.js";
import { GENERATED_NOTICE } from "../generator/src/codegen/banner.js";
import { UPSTREAM, announceUpstream } from "./helpers/chart.js";

announceUpstream();

describe("generated from schemas/", () => {
  for (const a of ARTEFACTS.filter((x) => x.file !== "chart/Chart.yaml")) {
    it(`${a.file} is up to date (else: run npm run generate)`, async () => {
      const { current, want } = await expected(a);
      expect(current.includes(GENERATED_NOTICE), `${a.file} lacks the "${GENERATED_NOTICE}" banner`).toBe(true);
      expect(current === want, `${a.file} drifted from schemas/: run npm run generate`).toBe(true);
    });
  }

  it.skipIf(!UPSTREAM)("chart/Chart.yaml lists the images of the default render (artifacthub.io/images; else: run npm run generate)", async () => {
    const { current, want } = await expected(ARTEFACTS.find((x) => x.file === "chart/Chart.yaml")!);
    expect(current === want, "chart/Chart.yaml's artifacthub.io/images drifted: run npm run generate").toBe(true);
  });
});
