// The report's robot account: a system-level robot in Harbor that may only read and pull in the projects the
// report checks (those harbor-config lists and the proxy caches, as far as they exist now), its name and
// secret in the Kubernetes Secret REPORT_ROBOT_SECRET (keys username, password; merge-patched, the chart
// creates it). Harbor shows a robot's secret only when it makes one, so whether the Secret still holds a
// working one is asked of Harbor as the robot: GET /users/current answers 412 to a robot it accepts and 401
// to credentials it does not (src/server/v2.0/handler/user.go, src/server/middleware/security/robot.go).
// A rerun with a working Secret and the same projects writes nothing.
import { harborMessage, seg } from "../harbor/api.js";
import { Fatal, call, warn, type Run } from "./context.js";
import { kubeStatus, patchSecret, readSecret } from "./kube.js";

/** The robot's name (Harbor shows it with its prefix, robot$ by default). */
export const ROBOT_NAME = "harbor-edge-report";

/** Read and pull, nothing else (src/common/rbac/const.go, project scope). */
export const REPORT_ACCESS = [
  { resource: "project", action: "read" },
  { resource: "repository", action: "list" },
  { resource: "repository", action: "pull" },
  { resource: "artifact", action: "read" },
  { resource: "artifact", action: "list" },
  { resource: "tag", action: "list" },
] as const;

export interface RobotPermission {
  kind: string;
  namespace: string;
  access: Array<{ resource: string; action: string; effect?: string }>;
}

/** The permissions the robot should have: one per project, sorted. Pure. */
export function wantedPermissions(projects: string[]): RobotPermission[] {
  return [...new Set(projects)].sort().map((namespace) => ({ kind: "project", namespace, access: REPORT_ACCESS.map((a) => ({ ...a })) }));
}

/** Whether Harbor's permissions are the wanted ones (order and effect aside). Pure. */
export function samePermissions(have: unknown, want: RobotPermission[]): boolean {
  const key = (ps: RobotPermission[]) =>
    ps
      .map(
        (p) =>
          `${p.kind}:${p.namespace}:${(p.access ?? [])
            .map((a) => `${a.resource}/${a.action}`)
            .sort()
            .join(",")}`,
      )
      .sort()
      .join(";");
  return Array.isArray(have) && key(have as RobotPermission[]) === key(want);
}

async function findRobot(run: Run): Promise<any> {
  const a = await call(run, "GET", `/robots?q=${encodeURIComponent(`name=${ROBOT_NAME}`)}&page_size=100`);
  if (a.status !== 200) throw new Fatal(`GET /robots answered HTTP ${a.status} ${harborMessage(a)}`.trim());
  return (Array.isArray(a.json) ? a.json : []).find(
    (r: any) => r?.level === "system" && typeof r?.name === "string" && (r.name === ROBOT_NAME || r.name.endsWith(`$${ROBOT_NAME}`)),
  );
}

/** Whether Harbor accepts the robot's credentials. */
async function robotWorks(run: Run, username: string, secret: string): Promise<boolean> {
  const a = await call(run, "GET", "/users/current", { username, password: secret });
  return a.status !== 401 && a.status !== 403;
}

export async function ensureReportRobot(run: Run): Promise<void> {
  const i = run.input;
  if (!i.reportRobotSecret) return;
  if (!run.kube || !i.namespace)
    return warn(run, `REPORT_ROBOT_SECRET is set but there is no cluster access; the report's robot account was not made`);
  const fail = (why: string) => {
    run.failures.push(`report robot account: ${why}`);
    run.say(`report robot account: ${why}`);
  };
  const permissions = wantedPermissions([...run.present.keys()]);
  if (permissions.length === 0) return fail("no project to give it access to");
  let robot = await findRobot(run);
  let secret: string | undefined;
  if (!robot) {
    const body = {
      name: ROBOT_NAME,
      description: "harbor-edge report: reads what the cluster's images are (created by harbor-edge configure)",
      level: "system",
      disable: false,
      duration: -1,
      permissions,
    };
    const c = await call(run, "POST", "/robots", { body });
    if (c.status === 201) {
      robot = { id: c.json?.id, name: c.json?.name, disable: false, permissions };
      secret = String(c.json?.secret ?? "");
      run.say(`report robot account: created ${robot.name}`);
    } else if (c.status === 409) {
      robot = await findRobot(run); // made meanwhile, or by a request whose answer was lost
      if (!robot) throw new Fatal("report robot account: Harbor says it exists but does not list it");
    } else return fail(`Harbor refused to create it: HTTP ${c.status} ${harborMessage(c)}`);
  }
  if (!Number.isInteger(Number(robot.id))) throw new Fatal("report robot account: Harbor gave no id for it");
  if (secret === undefined && (robot.disable === true || !samePermissions(robot.permissions, permissions))) {
    const u = await call(run, "PUT", `/robots/${seg(robot.id)}`, {
      body: {
        name: robot.name,
        description: robot.description ?? "",
        level: "system",
        disable: false,
        duration: robot.duration ?? -1,
        permissions,
      },
    });
    if (u.status !== 200) return fail(`Harbor refused to update its permissions: HTTP ${u.status} ${harborMessage(u)}`);
    run.say(`report robot account: access set to ${permissions.map((p) => p.namespace).join(" ")}`);
  }
  if (secret === undefined) {
    let have: Record<string, string> | undefined;
    try {
      have = await readSecret(run, i.namespace, i.reportRobotSecret);
    } catch (e) {
      return fail(`cannot read Secret ${i.reportRobotSecret} (HTTP ${kubeStatus(e)})`);
    }
    if (!have) return fail(`Secret ${i.reportRobotSecret} does not exist in namespace ${i.namespace}`);
    if (have.username === robot.name && have.password && (await robotWorks(run, robot.name, have.password))) return;
    // the Secret lost it (or never had it): a new secret, which Harbor shows this once
    const r = await call(run, "PATCH", `/robots/${seg(robot.id)}`, { body: {} });
    if (r.status !== 200 || typeof r.json?.secret !== "string" || !r.json.secret)
      return fail(`Harbor refused to refresh its secret: HTTP ${r.status} ${harborMessage(r)}`);
    secret = r.json.secret as string;
    run.say(`report robot account: secret refreshed`);
  }
  const e = await patchSecret(run, i.namespace, i.reportRobotSecret, { username: String(robot.name), password: secret });
  if (e) return fail(`could not write it into Secret ${i.reportRobotSecret} (HTTP ${kubeStatus(e)}); the next run makes a new secret`);
  run.say(`report robot account: Secret ${i.reportRobotSecret} holds ${robot.name}`);
}
