// Every sh file of the project (the node-mirror script the chart ships, the local-cluster tier's provisioning) is
// shellcheck-clean at every severity, notes included, following the files it sources. A finding that is meant
// carries a `# shellcheck disable=SCnnnn # why` on its line. Where shellcheck is not installed: one NOT RUN line.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { ROOT } from "../../generator/src/paths.js";

const version = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
const missing = version.error || version.status !== 0;
if (missing)
  console.log(
    "\n*** NOT RUN: shellcheck of the sh files: shellcheck is not installed (Debian: apt-get install shellcheck; .ci/run installs it)\n",
  );

/** the tracked sh files: *.sh, and files whose first line runs sh or bash */
function shFiles(): string[] {
  const listed = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\0").filter(Boolean);
  const head = (f: string) => spawnSync("head", ["-c", "64", f], { cwd: ROOT, encoding: "utf8" }).stdout.split("\n")[0] ?? "";
  return listed.filter((f) => f.endsWith(".sh") || (!f.includes(".") && /^#!.*\b(sh|bash|dash)\b/.test(head(f))));
}

describe.skipIf(missing)("shellcheck", () => {
  it("finds the sh files: the node-mirror script and the tier's provisioning among them", () => {
    expect(shFiles()).toEqual(
      expect.arrayContaining([
        "chart/files/node-mirror.sh",
        "test/cluster/infra/up.sh",
        "test/cluster/infra/node.sh",
        "test/cluster/infra/env.sh",
      ]),
    );
  });

  it("every sh file is clean at every severity (sourced files followed)", () => {
    const r = spawnSync("shellcheck", ["--severity=style", "--external-sources", "--source-path=SCRIPTDIR", "--format=gcc", ...shFiles()], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("would see a finding: an unquoted variable in a file of the same kind is reported", () => {
    const r = spawnSync("shellcheck", ["--severity=style", "--format=gcc", "-"], { input: "#!/bin/sh\nrm -rf $DIR/x\n", encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/SC2086/);
  });
});
