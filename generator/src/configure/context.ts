// What every step of a configuration run shares: the checked input, the Harbor client, the cluster access
// (when there is one), the log (stdout; never a password, token or Authorization header), the warnings and
// failures collected for the summary and the Event, and requests to Harbor that ride out a Harbor still
// starting or briefly failing (no answer, 5xx, 429: retried with backoff until the run's deadline).
import type { ApiAnswer, HarborApi } from "../harbor/api.js";
import { HarborUnreachable } from "../harbor/api.js";
import type { KubeAccess } from "../kube/client.js";
import type { ConfigureInput } from "./input.js";

/** The run cannot converge: one line on stderr, a ConfigureFailed Event, exit code (1; 2 for bad input). */
export class Fatal extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

export interface Run {
  input: ConfigureInput;
  api: HarborApi;
  /** the cluster, when there is one (namespace: input.namespace) */
  kube?: KubeAccess;
  /** ms since epoch: waiting for Harbor and retrying stop here */
  deadline: number;
  warnings: string[];
  failures: string[];
  /** projects known to exist in Harbor after this run's steps (name: id), for the report's robot account */
  present: Map<string, number>;
  say(line: string): void;
  sleep(ms: number): Promise<void>;
}

export function say(line: string) {
  process.stdout.write(`configure: ${line}\n`);
}

export function warn(run: Run, message: string) {
  run.say(`WARNING: ${message}`);
  run.warnings.push(message);
}

export const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface CallOptions {
  body?: unknown;
  /** the name in the path is a name, not an id (Harbor's X-Is-Resource-Name) */
  byName?: boolean;
  /** null: anonymous; a string: this password for admin instead of the desired one */
  password?: string | null;
  username?: string;
  timeoutMs?: number;
  /** retry 5xx and 429 (default); no answer at all is retried regardless */
  retry5xx?: boolean;
}

/**
 * One request to Harbor as admin with the desired password (unless told otherwise). No answer, 5xx and 429
 * are retried with backoff (1 s doubling to 5 s) until the deadline, then the run fails naming the request.
 * Every other status is the caller's to judge.
 */
export async function call(run: Run, method: string, apiPath: string, o: CallOptions = {}): Promise<ApiAnswer> {
  let delay = 1_000;
  for (;;) {
    let status = 0;
    try {
      const a = await run.api.call(method, apiPath, {
        ...(o.body === undefined ? {} : { body: o.body }),
        headers: o.byName ? { "X-Is-Resource-Name": "true" } : {},
        password: o.password === undefined ? run.input.password : o.password,
        ...(o.username ? { username: o.username } : {}),
        ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      });
      status = a.status;
      if (!(o.retry5xx !== false && (a.status >= 500 || a.status === 429))) return a;
    } catch (e) {
      if (!(e instanceof HarborUnreachable)) throw e;
    }
    if (Date.now() >= run.deadline)
      throw new Fatal(
        `Harbor did not answer ${method} ${apiPath.split("?")[0]} within ${run.input.waitSeconds}s (last status ${String(status).padStart(3, "0")})`,
      );
    await run.sleep(Math.min(delay, Math.max(0, run.deadline - Date.now()) + 10));
    delay = Math.min(delay * 2, 5_000);
  }
}
