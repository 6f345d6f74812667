// Running the harbor-edge CLI as a user does: the built bin, a real process, real exit codes.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "../../generator/src/paths.js";

/** The JS entry, run with this node: what the tests call (they set PATH freely). */
export const BIN = path.join(ROOT, "generator", "bin", "harbor-edge.js");
/** The command users run (package.json "bin"): BIN itself, run through its #!/usr/bin/env node line. */
export const COMMAND = BIN;

export function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
