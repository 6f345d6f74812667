// Generated artefacts carry the banner and match what `npm run generate` writes from schemas/.
import { describe, it, expect } from "vitest";
import { ARTEFACTS, expected } from "../generator/src/codegen/artefacts.js";
import { GENERATED_NOTICE } from "../generator/src/codegen/banner.js";

describe("generated from schemas/", () => {
  for (const a of ARTEFACTS) {
    it(`${a.file} is up to date (else: run npm run generate)`, async () => {
      const { current, want } = await expected(a);
      expect(current.includes(GENERATED_NOTICE), `${a.file} lacks the "${GENERATED_NOTICE}" banner`).toBe(true);
      expect(current === want, `${a.file} drifted from schemas/: run npm run generate`).toBe(true);
    });
  }
});
