// Running the harbor-edge CLI as a user does: the built bin, a real process, real exit codes.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "../../generator/src/paths.js";

/** The JS entry, run with this node: what the tests call (they set PATH freely). */
export const BIN = path.join(ROOT, "generator", "bin", "harbor-edge.js");
/** The command users run (package.json "bin"): a sh wrapper that runs BIN with the node on PATH. */
export const COMMAND = path.join(ROOT, "generator", "bin", "harbor-edge");

export function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
