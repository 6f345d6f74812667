// harbor-edge terraform SPEC -o DIR
import path from "node:path";
import type { Command } from "commander";
import { err, loadValid } from "./common.js";

export function register(program: Command) {
  program
    .command("terraform")
    .description("write main.tf and variables.tf: the pack by spectrocloud_pack_simple in an edge-native add-on cluster profile carrying the spec's values")
    .argument("<spec>", "spec file")
    .requiredOption("-o, --output <dir>", "directory to write into")
    .action(async (file: string, o: { output: string }) => {
      const [{ result }, { terraformFiles }, { chartVersion }, { writeFileAtomic }] = await Promise.all([loadValid(file), import("../terraform/build.js"), import("../version.js"), import("../io/atomic.js")]);
      const files = terraformFiles(result.spec as never, { version: chartVersion() });
      for (const [name, text] of Object.entries(files)) writeFileAtomic(path.join(o.output, name), text);
      err(`wrote ${Object.keys(files).map((f) => path.join(o.output, f)).join(", ")}`);
    });
}
