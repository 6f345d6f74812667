// The processes a test runs: one to its end (runOk), background ones by name with their logs (Processes), and
// stopping a child: SIGTERM, SIGKILL after a grace period, resolved once it has exited.
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

export async function stopChild(p: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  const timer = setTimeout(() => p.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Runs a command to its end, bounded (default 60 s): its stdout; throws with the command and what it said otherwise. */
export function runOk(cmd: string, args: string[], o: { input?: string; timeoutMs?: number; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: o.timeoutMs ?? 60_000, input: o.input, cwd: o.cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.stdout || r.error?.message || `exit ${r.status}`}`);
  return r.stdout;
}

/**
 * The background processes of a test, by name: each started with its output in <dir>/<name>.log (or .out and .err
 * with split), optionally behind a prefix (["ip", "netns", "exec", NS]), and stopped by its PID, last started
 * first.
 */
export class Processes {
  readonly procs = new Map<string, ChildProcess>();
  constructor(readonly dir: string) {}

  start(name: string, argv: string[], o: { cwd?: string; prefix?: string[]; split?: boolean } = {}): ChildProcess {
    const [out, err] = o.split ? [`${name}.out`, `${name}.err`] : [`${name}.log`, `${name}.log`];
    const outFd = fs.openSync(path.join(this.dir, out), "a");
    const errFd = err === out ? outFd : fs.openSync(path.join(this.dir, err), "a");
    const full = [...(o.prefix ?? []), ...argv];
    const p = spawn(full[0], full.slice(1), { cwd: o.cwd ?? this.dir, stdio: ["ignore", outFd, errFd] });
    this.procs.set(name, p);
    return p;
  }

  /** What the process wrote so far (both files with split), "" before it wrote anything. */
  log(name: string): string {
    const read = (f: string) => (fs.existsSync(path.join(this.dir, f)) ? fs.readFileSync(path.join(this.dir, f), "utf8") : "");
    const log = read(`${name}.log`);
    return log || read(`${name}.out`) + read(`${name}.err`);
  }

  get(name: string): ChildProcess | undefined {
    return this.procs.get(name);
  }

  stop(name: string): Promise<void> {
    return stopChild(this.procs.get(name));
  }

  async stopAll(): Promise<void> {
    for (const name of [...this.procs.keys()].reverse()) await stopChild(this.procs.get(name));
  }
}
