import { defineConfig } from "vitest/config";

// The real-cluster tier: one kind cluster, scenarios in order.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 20 * 60_000,
    hookTimeout: 30 * 60_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
