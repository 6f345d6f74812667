// The admin password: Harbor gets the one harbor-config asks for, rotated from the password it has now.
// Candidates for "now" are those this step applied or was applying (the state Secret's applied and pending)
// and the one the chart rendered before (HARBOR_ADMIN_PASSWORD_PREVIOUS). Each is sent at most once as a
// wrong password: a refused login costs Harbor 1.5 s and locks the user for as long
// (src/core/auth/authenticator.go), so after any refusal the next login waits HARBOR_LOGIN_PAUSE. A refusal
// that came back at once was the lock of someone else's failed login, not a wrong password: the desired
// password is tried once more after the pause. The rotation is recorded (pending) before it is made.
import { harborMessage } from "../harbor/api.js";
import { Fatal, call, warn, type Run } from "./context.js";
import { hasState, kubeStatus, writeState } from "./kube.js";

/** The passwords Harbor may have instead of the desired one, most likely first; distinct, never the desired one. */
export function candidates(i: { password: string; applied: string; pending: string; previous: string }): string[] {
  const out: string[] = [];
  for (const c of [i.applied, i.pending, i.previous]) if (c && c !== i.password && !out.includes(c)) out.push(c);
  return out;
}

/** Harbor sleeps this long before refusing a wrong password; a lock refuses at once. */
export const FAILED_LOGIN_MS = 1_000;

interface Login {
  ok: boolean;
  /** refused after Harbor's failed-login sleep: the password is wrong (not merely locked) */
  wrong: boolean;
  userId: number;
}

export class Logins {
  private refused = false;
  userId = 1;
  constructor(private run: Run) {}

  /** Whether Harbor accepts admin:password, on /users/current (elsewhere Harbor takes a wrong one as anonymous). */
  async try(password: string): Promise<Login> {
    if (this.refused) await this.run.sleep(this.run.input.loginPauseSeconds * 1000);
    const started = Date.now();
    // at least 10 s: a failed login answers after 1.5 s, and a timed-out one must not be sent again at once
    const a = await call(this.run, "GET", "/users/current", {
      password,
      timeoutMs: Math.max(this.run.input.requestTimeoutSeconds * 1000, 10_000),
    });
    if (a.status === 200) {
      this.refused = false;
      this.userId = Number.isInteger(a.json?.user_id) ? a.json.user_id : 1;
      return { ok: true, wrong: false, userId: this.userId };
    }
    if (a.status === 401 || a.status === 403) {
      this.refused = true;
      return { ok: false, wrong: Date.now() - started >= FAILED_LOGIN_MS, userId: 0 };
    }
    throw new Fatal(`GET /users/current answered HTTP ${a.status}`);
  }

  /** A request other than a login was refused for the password (the next login waits). */
  noteRefused() {
    this.refused = true;
  }
}

/** The state Secret says Harbor has the desired password (no write when it already says so). */
async function recordApplied(run: Run) {
  const i = run.input;
  if (i.applied === i.password && !i.pending) return;
  if (!hasState(run)) return;
  const e = await writeState(run, { applied: i.password, pending: "" });
  if (!e) {
    i.applied = i.password;
    i.pending = "";
  } else {
    warn(run, `could not record the applied admin password in Secret ${i.stateSecret} (HTTP ${kubeStatus(e)})`);
  }
}

export async function ensurePassword(run: Run): Promise<void> {
  const i = run.input;
  const logins = new Logins(run);
  const desired = await logins.try(i.password);
  if (desired.ok) {
    run.say("admin password is current");
    return recordApplied(run);
  }
  const known = candidates(i);
  let current: string | undefined;
  for (const c of known) {
    if ((await logins.try(c)).ok) {
      current = c;
      break;
    }
  }
  if (current === undefined) {
    // refused at once: locked by someone else's failed login, not wrong; once more now the lock has passed
    if (!desired.wrong && (await logins.try(i.password)).ok) {
      run.say("admin password is current");
      return recordApplied(run);
    }
    if (known.length === 0)
      throw new Fatal(
        "Harbor rejects the admin password and no previous password is known to rotate from; set harbor-config.auth.password (or the existingSecret) to the password Harbor has, or reset it in the web UI",
      );
    throw new Fatal(
      "Harbor rejects the desired admin password and every password applied before; set harbor-config.auth.password (or the existingSecret) to the password Harbor has, or reset it in the web UI",
    );
  }
  // remember what is about to be applied first, so a run that stops half-way leaves it known
  if (hasState(run)) {
    const e = await writeState(run, { applied: current, pending: i.password });
    if (e)
      throw new Fatal(
        `could not record the rotation in Secret ${i.stateSecret} (HTTP ${kubeStatus(e)}); the admin password was not changed`,
      );
    i.applied = current;
    i.pending = i.password;
  }
  await rotate(run, logins, current);
  run.say("admin password rotated");
  await recordApplied(run);
}

async function rotate(run: Run, logins: Logins, current: string): Promise<void> {
  const i = run.input;
  const path = `/users/${logins.userId}/password`;
  let delay = 1_000;
  for (;;) {
    const a = await call(run, "PUT", path, {
      password: current,
      body: { old_password: current, new_password: i.password },
      retry5xx: false,
    });
    if (a.status === 200) {
      if (!(await logins.try(i.password)).ok) throw new Fatal("the admin password was changed but Harbor does not accept it");
      return;
    }
    if (a.status === 400)
      throw new Fatal(
        "Harbor refused the new admin password (identical to the old one or against its password policy: 8-128 characters with upper, lower and a digit)",
      );
    if (a.status === 401 || a.status === 403) {
      // an earlier attempt whose answer was lost, or a concurrent run, may have rotated it already
      logins.noteRefused();
      if ((await logins.try(i.password)).ok) return;
      throw new Fatal("Harbor refused the rotation: the previous admin password is not correct");
    }
    if (a.status >= 500 || a.status === 429) {
      // again with the password that worked: if the change was made and its answer lost, that one login is
      // refused (401) and the new password is checked above; the new one is not sent again as a guess
      if (Date.now() >= run.deadline)
        throw new Fatal(`Harbor did not answer PUT ${path} within ${i.waitSeconds}s (last status ${a.status})`);
      await run.sleep(delay);
      delay = Math.min(delay * 2, 5_000);
      continue;
    }
    throw new Fatal(`PUT ${path} answered HTTP ${a.status} ${harborMessage(a)}`.trim());
  }
}
