// The processes a test runs: one to its end, blocking (runOk) or not (runProcess, for tests that serve a fake from
// their own process), background ones by name with their logs (Processes), and stopping a child: SIGTERM, SIGKILL
// after a grace period, resolved once it has exited.
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

export interface ProcessResult {
  /** the exit code; 1 when a signal ended it */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they came, interleaved */
  output: string;
  /** the signal that ended it, or null */
  signal: NodeJS.Signals | null;
}

export interface RunProcessOptions {
  /** the whole environment (default: this process's) */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** written to its stdin, which is then closed (without it, stdin is /dev/null) */
  input?: string;
  /** stopped after this long (default 10 min): SIGTERM, then SIGKILL after 5 s */
  timeoutMs?: number;
  /** stopped (SIGTERM) as soon as its stdout so far satisfies this */
  stopWhen?: (stdout: string) => boolean;
}

/**
 * Runs a command to its end without blocking the event loop (a fake server in this process can answer it), its
 * output collected: the one spawn-and-collect of the tests.
 */
export async function runProcess(cmd: string, args: string[], o: RunProcessOptions = {}): Promise<ProcessResult> {
  const child = spawn(cmd, args, { env: o.env, cwd: o.cwd, stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  let stdout = "",
    stderr = "",
    output = "";
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopChild(child));
  child.stdout!.on("data", (d) => {
    stdout += d;
    output += d;
    if (o.stopWhen?.(stdout)) void stop();
  });
  child.stderr!.on("data", (d) => {
    stderr += d;
    output += d;
  });
  if (o.input !== undefined) child.stdin!.end(o.input);
  const timer = setTimeout(() => void stop(), o.timeoutMs ?? 600_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.once("close", (c, s) => resolve([c, s]));
  }).finally(() => clearTimeout(timer));
  await stopping;
  return { code: code ?? 1, stdout, stderr, output, signal };
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
