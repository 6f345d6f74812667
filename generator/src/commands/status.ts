// harbor-edge status: prints what the in-cluster report last found, from outside the cluster. Exit 0 when
// every running image is held by Harbor; 1 when some are not, there is no report to read, or the report is older
// than --max-age (default 3h; age.ts).
// With --all-contexts or --kubeconfigs, the fleet view (fleet.ts): one line per cluster; exit 0 all ready,
// 1 some not ready, 3 some unreachable and none not ready, 2 usage error.
import { Option, InvalidArgumentError, type Command } from "commander";
import { parseMaxAge, DEFAULT_MAX_AGE, type MaxAge } from "../status/age.js";

/** --kubeconfigs a.yaml,b.yaml or the option repeated: every file, in order. */
const collectFiles = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean),
];

const seconds = (value: string) => {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > 600)
    throw new InvalidArgumentError("expected seconds, more than 0 and at most 600, e.g. 15");
  return n;
};

/** --max-age, read once: the text (for messages) and the milliseconds. */
const maxAge = (value: string): MaxAge => {
  try {
    return { text: value.trim(), ms: parseMaxAge(value) };
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

type Options = {
  kubeconfig?: string;
  namespace?: string;
  context?: string;
  json?: boolean;
  allContexts?: boolean;
  kubeconfigs?: string[];
  timeout?: number;
  maxAge: MaxAge;
};

export function register(program: Command): void {
  program
    .command("status")
    .description(
      'print what the in-cluster report last found: "N of M running images are held by Harbor; missing: ..." (the ConfigMap harbor-edge-status and its latest Event). Exit 0 when all are held, 1 otherwise, or when the report is older than --max-age. ' +
        'With --all-contexts or --kubeconfigs, one line per cluster ("site-17: 42 of 42 held on 3 nodes", "site-18: not ready: ...", "site-19: unreachable: ..."), 8 clusters at a time; ' +
        "exit 0 every cluster ready, 1 at least one not ready (a cluster without a report, or with a stale one, is not ready), 3 none not ready but at least one unreachable, 2 usage error",
    )
    .option(
      "--kubeconfig <file>",
      "kubeconfig of the cluster (token, client certificate or basic auth; no credential plugins); default: $KUBECONFIG, else ~/.kube/config, as kubectl",
    )
    .option("-n, --namespace <ns>", "namespace the chart is installed in (default: the context's namespace, else harbor)")
    .addOption(
      new Option("--context <name>", "kubeconfig context (default: its current-context)").conflicts(["allContexts", "kubeconfigs"]),
    )
    .option("--all-contexts", "every context of the kubeconfig (of each file of --kubeconfigs), one line each")
    .addOption(
      new Option(
        "--kubeconfigs <files>",
        "kubeconfigs of several clusters, comma-separated or the option repeated: one line for each file's current context (each of its contexts with --all-contexts)",
      )
        .argParser(collectFiles)
        .conflicts("kubeconfig"),
    )
    .addOption(
      new Option(
        "--timeout <seconds>",
        "with --all-contexts or --kubeconfigs: how long one cluster may take before it is shown unreachable (default 15)",
      ).argParser(seconds),
    )
    .addOption(
      new Option("--max-age <duration>", "a report older than this (90m, 3h, 2d) is stale: its cluster is not ready, exit 1; 0: no limit")
        .argParser(maxAge)
        .default(maxAge(DEFAULT_MAX_AGE), JSON.stringify(DEFAULT_MAX_AGE)),
    )
    .option("--json", "print the report as JSON (with --all-contexts or --kubeconfigs: an array, one object per cluster)")
    .action(async (o: Options, cmd: Command) => {
      if (o.allContexts || o.kubeconfigs) return fleet(o, cmd);
      if (o.timeout !== undefined) cmd.error("error: option '--timeout <seconds>' is for --all-contexts or --kubeconfigs");
      const { resolveAccess } = await import("../kube/client.js");
      const { readStatus, formatStatus } = await import("../status/status.js");
      const { staleness } = await import("../status/age.js");
      const access = resolveAccess({ kubeconfig: o.kubeconfig, context: o.context });
      if (!access) throw new Error("no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or write ~/.kube/config (as for kubectl)");
      const s = await readStatus(access, o.namespace ?? access.namespace ?? "harbor");
      const stale = staleness(s.updated, Date.now(), o.maxAge.ms, o.maxAge.text);
      process.stdout.write(o.json ? `${JSON.stringify({ ...s, ...(stale ? { stale } : {}) }, null, 2)}\n` : formatStatus(s, stale));
      if (!s.allHeld)
        throw new Error(
          s.summary.startsWith("no report")
            ? "the last report failed"
            : `${s.total - s.held} of ${s.total} running images are not held by Harbor`,
        );
      if (stale) throw new Error(`the last report is stale: ${stale}`);
    });
}

/** The kubeconfig `status` reads without --kubeconfigs, as kubectl picks it: --kubeconfig, else $KUBECONFIG's first file, else ~/.kube/config. */
async function defaultKubeconfig(o: Options, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (o.kubeconfig) return o.kubeconfig;
  const [fs, os, path] = await Promise.all([import("node:fs"), import("node:os"), import("node:path")]);
  const fromEnv = env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  if (fromEnv) return fromEnv;
  const home = path.join(env.HOME || os.homedir(), ".kube", "config");
  return fs.existsSync(home) ? home : undefined;
}

async function fleet(o: Options, cmd: Command): Promise<void> {
  const { Exit } = await import("./common.js");
  const f = await import("../status/fleet.js");
  let files = o.kubeconfigs;
  if (files && !files.length) cmd.error("error: option '--kubeconfigs <files>' names no file");
  if (!files) {
    const file = await defaultKubeconfig(o);
    if (!file)
      cmd.error(
        "error: no kubeconfig: pass --kubeconfig FILE or --kubeconfigs A,B, set KUBECONFIG, or write ~/.kube/config (as for kubectl)",
      );
    files = [file];
  }
  const sites = f.planSites(files, Boolean(o.allContexts));
  if (sites.length > f.MAX_SITES)
    cmd.error(`error: ${sites.length} clusters named; at most ${f.MAX_SITES} are read in one run: split the kubeconfigs`);
  const read = f.statusReader(o.namespace);
  const { staleness } = await import("../status/age.js");
  let results;
  try {
    results = await f.runFleet(sites, {
      read,
      timeoutMs: (o.timeout ?? f.DEFAULT_TIMEOUT_S) * 1000,
      stale: (s) => staleness(s.updated, Date.now(), o.maxAge.ms, o.maxAge.text),
      // a line as soon as it is known (and every one before it): a slow cluster holds back only the lines after it
      onResult: o.json ? undefined : (r) => process.stdout.write(`${f.formatSiteLine(r)}\n`),
    });
  } finally {
    read.close();
  }
  if (o.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  const code = f.exitCode(results);
  if (code !== f.FLEET_EXIT.ready) throw new Exit(code, `error: ${f.fleetSummary(results)}`);
}
