// Does containerd read the host directory? The rule of chart/files/node-mirror.sh `check`, line for line (the
// two are run on one table of cases, test/helpers/nodecheck-config-cases.ts, so they cannot drift):
// config_path under [plugins."io.containerd.cri.v1.images".registry] (containerd 2.x) or
// [plugins."io.containerd.grpc.v1.cri".registry] (1.x; or [plugins.cri.registry] of a version 1 file) must be
// the host directory as containerd sees it; a colon-separated list only with use_local_image_pull = true
// under [plugins."io.containerd.cri.v1.images"] (the 2.1+ transfer service takes it as one directory name).
// Like the sh, it reads keys line by line (no imports, no multi-line values); the file is bounded (1 MiB).
import fs from "node:fs";

export const CONTAINERD_CONFIG_MAX = 1024 * 1024;

const V2 = "plugins.io.containerd.cri.v1.images";
const V1 = "plugins.io.containerd.grpc.v1.cri";

/** node-mirror.sh bare(): a key or table name without blanks, quotes and brackets. */
const bare = (s: string) => s.replace(/[\][\s"']/g, "");
/** node-mirror.sh value(): a string value without blanks, quotes and a trailing comment. */
const value = (s: string) =>
  s
    .replace(/^\s*/, "")
    .replace(/\s*#[^"']*$/, "")
    .replace(/\s*$/, "")
    .replace(/^["']/, "")
    .replace(/["']$/, "");
const stripSlash = (s: string) => s.replace(/\/$/, "");

export interface ConfigCheck {
  ok: boolean;
  detail: string;
}

/**
 * Whether containerd, with `text` as its config.toml (undefined: the file does not exist), reads hostDirOnNode.
 * configName names the file in the detail.
 */
export function checkConfigText(text: string | undefined, hostDirOnNode: string, configName: string): ConfigCheck {
  const dir = stripSlash(hostDirOnNode);
  const how = `set config_path = "${dir}" under [plugins."io.containerd.cri.v1.images".registry] (containerd 2.x) or [plugins."io.containerd.grpc.v1.cri".registry] (containerd 1.x) in ${configName} and restart containerd`;
  if (text === undefined)
    return { ok: false, detail: `containerd does not read ${dir}: ${configName} does not exist, so config_path is unset; ${how}` };
  let section = "";
  let path2 = "";
  let path1 = "";
  let set2 = false;
  let set1 = false;
  let localPull = false;
  // the sh's `read -r` splits on newlines only
  for (const line of text.split("\n")) {
    if (!(/config_path.*=/.test(line) || /use_local_image_pull.*=/.test(line) || line.includes("["))) continue;
    const trimmed = line.replace(/^\s*/, "");
    if (trimmed.startsWith("#")) continue;
    if (trimmed.startsWith("[")) {
      section = bare(trimmed.split("]")[0]);
      continue;
    }
    const eq = trimmed.indexOf("=");
    const key = bare(trimmed.slice(0, eq));
    const full = section ? `${section}.${key}` : key;
    const v = value(trimmed.slice(eq + 1));
    if (full === `${V2}.registry.config_path`) [set2, path2] = [true, v];
    else if (full === `${V1}.registry.config_path` || full === "plugins.cri.registry.config_path") [set1, path1] = [true, v];
    else if (full === `${V2}.use_local_image_pull` && v === "true") localPull = true;
  }
  const [p, where] = set2
    ? [path2, '[plugins."io.containerd.cri.v1.images".registry]']
    : set1
      ? [path1, '[plugins."io.containerd.grpc.v1.cri".registry]']
      : ["", ""];
  if (!p) return { ok: false, detail: `containerd does not read ${dir}: config_path is unset in ${configName}; ${how}` };
  if (p.includes(":")) {
    if (!localPull)
      return {
        ok: false,
        detail: `containerd does not read ${dir}: config_path "${p}" in ${where} of ${configName} is colon-separated, which containerd's transfer service (containerd 2.1 and later) ignores; ${how}`,
      };
    if (p.split(":").some((x) => stripSlash(x) === dir))
      return { ok: true, detail: `containerd reads ${dir} (config_path "${p}" in ${where} of ${configName}, with use_local_image_pull)` };
    return {
      ok: false,
      detail: `containerd does not read ${dir}: config_path "${p}" in ${where} of ${configName} does not list it; ${how}`,
    };
  }
  if (stripSlash(p) === dir) return { ok: true, detail: `containerd reads ${dir} (config_path in ${where} of ${configName})` };
  return { ok: false, detail: `containerd does not read ${dir}: config_path in ${where} of ${configName} is "${p}"` };
}

/** checkConfigText on a file (bounded; a missing file is a failed check, another read error a failure too); name: the file's path on the node, for messages. */
export function checkContainerdConfig(file: string, hostDirOnNode: string, name = file): ConfigCheck {
  let text: string | undefined;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return { ok: false, detail: `containerd does not read ${stripSlash(hostDirOnNode)}: ${name} is not a file` };
    if (st.size > CONTAINERD_CONFIG_MAX) return { ok: false, detail: `${name} is larger than ${CONTAINERD_CONFIG_MAX} bytes: not read` };
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      return { ok: false, detail: `${name} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})` };
  }
  return checkConfigText(text, hostDirOnNode, name);
}
