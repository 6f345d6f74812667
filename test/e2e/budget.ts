// The kind tier's time budget, in minutes, in one place: the vitest timeouts of the scenarios' hooks and of the
// drill's steps come from here, and test/project/ci-config.test.ts checks the workflow's kind jobs against them (the
// drill's step outlasts every bound here added up, and its job the step, with time left for the log steps).

/** install() (cluster.ts): helm's --wait (20 min) runs while the configuration Job does, and that Job ends,
 * done or failed, configJob.timeoutSeconds (1800 s by default) after it starts, with the install: 30 min and slack. */
export const INSTALL_MINUTES = 32;
/** waitHealthy() after install(): the configuration Job has already reached Harbor. */
export const HEALTHY_MINUTES = 5;
/** ensureCluster(): a reused cluster and a cached image build take a minute or two; a new cluster (kind create --wait 180s) and a cold build more. */
export const CLUSTER_MINUTES = 13;
/** A beforeAll that makes the cluster and installs (every scenario file's): vitest.e2e.config.ts's hookTimeout. */
export const HOOK_MINUTES = CLUSTER_MINUTES + INSTALL_MINUTES + HEALTHY_MINUTES;

/**
 * The drill (drill.e2e.ts): its beforeAll, each step's vitest timeout (steps 1 to 6), its afterAll. Step 1 waits
 * for Harbor's tags (400 s after the pull) and a report run (up to confirmSeconds, 600 s); steps 2 to 5 for pulls
 * after a cut (Harbor's upstream health check every 5 min, the kubelet's back-off up to 5 min); step 6 for
 * both, and for pulls that must fail.
 */
export const DRILL_MINUTES = { beforeAll: HOOK_MINUTES, steps: [30, 25, 20, 20, 20, 45], afterAll: 5 } as const;
export const drillTotalMinutes = () => DRILL_MINUTES.beforeAll + DRILL_MINUTES.steps.reduce((a, b) => a + b, 0) + DRILL_MINUTES.afterAll;
/** The drill's step n (1-6), in ms. */
export const drillStepMs = (n: number) => {
  const m = DRILL_MINUTES.steps[n - 1];
  if (m === undefined) throw new Error(`the drill has no step ${n}`);
  return m * 60_000;
};
