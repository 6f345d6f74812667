import { defineConfig } from "vitest/config";

// The local-cluster tier (npm run test:cluster, through test/cluster/run.ts): one cluster, scenarios in order.
export default defineConfig({
  test: {
    include: ["test/cluster/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 10 * 60_000,
    hookTimeout: 5 * 60_000,
    fileParallelism: false,
    sequence: { concurrent: false },
    reporters: ["verbose"],
  },
});
