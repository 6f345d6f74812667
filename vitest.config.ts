import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    exclude: ["test/e2e/**", "test/cluster/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // helm renders are CPU-bound; two workers fit the 2-core machines
    maxWorkers: 2,
    reporters: ["default"],
  },
});
