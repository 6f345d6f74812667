// Stopping a child process a test started: SIGTERM, SIGKILL after a grace period, resolved once it has exited.
import type { ChildProcess } from "node:child_process";

export async function stopChild(p: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  const timer = setTimeout(() => p.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
}
