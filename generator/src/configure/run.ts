// One configuration run, in order: wait for Harbor, the admin password, projects, proxy caches, the report's
// robot account, registry-info, the certificate's expiry; then the summary line, an Event on the Job
// (ConfigureFailed, ConfigureIncomplete, or Configured after an install), and the exit status: 0 configured
// (what Harbor cannot reach now is reported and left for a later run), 1 it cannot converge (one line on
// stderr), 2 bad input (one line naming the variable, before any request).
import fs from "node:fs";
import { HarborApi, waitHealthy } from "../harbor/api.js";
import type { KubeAccess } from "../kube/client.js";
import { Fatal, realSleep, say, warn, type Run } from "./context.js";
import { InputError, type ConfigureInput } from "./input.js";
import { event } from "./kube.js";
import { ensurePassword } from "./password.js";
import { ensureProjects } from "./projects.js";
import { ensureProxyCaches } from "./proxy.js";
import { syncRegistryInfo } from "./registry-info.js";
import { ensureReportRobot } from "./robot.js";
import { checkServed } from "./served.js";

/** Days until the served certificate expires, or undefined when TLS_NOT_AFTER cannot be read. Pure. */
export function daysLeft(notAfter: string, now: number): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(notAfter)) return undefined;
  const end = Date.parse(notAfter);
  return Number.isNaN(end) ? undefined : Math.floor((end - now) / 86_400_000);
}

/** The expiry warning, on what nginx serves (served.ts: restarted first when it serves an old certificate). */
export async function checkCertificate(run: Run) {
  const { tlsWarnDays } = run.input;
  const { notAfter, from } = await checkServed(run);
  if (!notAfter) return;
  const days = daysLeft(notAfter, Date.now());
  if (days === undefined) return run.say(`cannot read the certificate expiry '${notAfter}'`);
  const what = from === "served" ? "the TLS certificate Harbor serves" : "the TLS certificate in harbor-tls";
  if (days < tlsWarnDays) warn(run, `${what} expires on ${notAfter} (${days} days); run helm upgrade to re-issue it from the same CA`);
}

export interface RunOptions {
  sleep?: (ms: number) => Promise<void>;
}

/** Runs configure; returns the exit status. Prints progress on stdout and, on failure, one line on stderr. */
export async function configure(input: ConfigureInput, kube: KubeAccess | undefined, o: RunOptions = {}): Promise<number> {
  const started = Date.now();
  let ca: string | undefined;
  if (input.caFile) {
    try {
      ca = fs.readFileSync(input.caFile, "utf8");
    } catch (e) {
      process.stderr.write(
        `harbor-edge configure: ERROR: HARBOR_CA_FILE ${input.caFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "unreadable"})\n`,
      );
      return 2;
    }
  }
  const api = new HarborApi({
    url: input.harborUrl,
    password: input.password,
    username: "admin",
    ca,
    servername: input.tlsServerName || undefined,
    timeoutMs: input.requestTimeoutSeconds * 1000,
  });
  const run: Run = {
    input,
    api,
    ...(kube ? { kube } : {}),
    deadline: started + input.waitSeconds * 1000,
    warnings: [],
    failures: [],
    present: new Map(),
    say,
    sleep: o.sleep ?? realSleep,
  };
  try {
    const unhealthy = await waitHealthy(api, run.deadline, 5_000, run.sleep);
    if (unhealthy !== undefined)
      throw new Fatal(`Harbor at ${api.base} did not become healthy within ${input.waitSeconds}s; last: ${unhealthy}`);
    say("Harbor is healthy");
    const healthy = Date.now();
    api.requests = 0;
    api.writes = 0;
    await ensurePassword(run);
    await ensureProjects(run);
    await ensureProxyCaches(run);
    await ensureReportRobot(run);
    await syncRegistryInfo(run);
    await checkCertificate(run);
    const summary = `${api.requests} requests (${api.writes} writes) in ${Math.round((Date.now() - healthy) / 1000)}s after Harbor was healthy, ${Math.round((healthy - started) / 1000)}s waiting for it`;
    if (run.failures.length) throw new Fatal(`not configured: ${run.failures.join("; ")}`);
    say(`configured: ${summary}`);
    if (run.warnings.length) await event(run, "Warning", "ConfigureIncomplete", run.warnings.join(" "));
    else if (input.trigger === "install") await event(run, "Normal", "Configured", `Harbor configured: ${summary}`);
    return 0;
  } catch (e) {
    if (!(e instanceof Fatal)) throw e;
    process.stderr.write(`harbor-edge configure: ERROR: ${oneLine(e.message)}\n`);
    await event(run, "Warning", "ConfigureFailed", oneLine(e.message));
    return e.code;
  }
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ");

export { InputError };
