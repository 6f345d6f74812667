import { defineConfig } from "vitest/config";
import { HOOK_MINUTES } from "./test/e2e/budget.js";

// The real-cluster tier: one kind cluster, scenarios in order. A hook's timeout covers a beforeAll that makes
// the cluster, installs and waits for Harbor (test/e2e/budget.ts); the drill sets its own per step.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 20 * 60_000,
    hookTimeout: HOOK_MINUTES * 60_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
