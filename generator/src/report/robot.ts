// The report's Harbor account when the chart runs it: the robot account `harbor-edge configure` creates, read from
// the Secret REPORT_ROBOT_SECRET (keys username, password) through the Kubernetes API. Not from the pod's
// environment: that is fixed when the pod starts, and after an install the configuration run fills the Secret
// only once Harbor is up, so the report waits for it, bounded.
import { kubeRequest, KubeError, type KubeAccess } from "../kube/client.js";
import { seg } from "../harbor/api.js";

export type RobotCredentials = { username: string; password: string } | { why: string };

/** The credentials in a Secret's data, or why there are none. Pure. */
export function robotFromSecret(secret: { data?: Record<string, string> } | undefined): RobotCredentials {
  const data = secret?.data ?? {};
  const decode = (k: string) => (typeof data[k] === "string" ? Buffer.from(data[k], "base64").toString("utf8") : "");
  const username = decode("username");
  const password = decode("password");
  if (!username || !password) return { why: "it holds no username and password yet" };
  if (username.includes(":") || /[\u0000-\u001f\u007f]/.test(username)) return { why: "its username is not a Harbor user name" };
  return { username, password };
}

/** Reads the Secret until it holds credentials or deadline (ms since epoch) has passed. */
export async function waitForRobot(
  access: KubeAccess,
  namespace: string,
  name: string,
  deadline: number,
  o: { pollMs: number; timeoutMs: number; now?: () => number; sleep?: (ms: number) => Promise<void>; onRequest?: () => void },
): Promise<RobotCredentials> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (;;) {
    let got: RobotCredentials;
    o.onRequest?.();
    try {
      got = robotFromSecret(
        await kubeRequest(access, "GET", `/api/v1/namespaces/${seg(namespace)}/secrets/${seg(name)}`, { timeoutMs: o.timeoutMs }),
      );
    } catch (e) {
      // a missing Secret or a forbidden read will not change by waiting
      if (e instanceof KubeError && (e.status === 404 || e.status === 403))
        return { why: e.status === 404 ? "it does not exist" : `the report may not read it (${e.message})` };
      got = { why: (e as Error).message };
    }
    if ("username" in got || now() >= deadline) return got;
    await sleep(Math.min(o.pollMs, Math.max(0, deadline - now())));
  }
}
