// harbor-edge values SPEC [-o FILE|-]
import path from "node:path";
import type { Command } from "commander";
import { err, loadValid, writeOrPrint } from "./common.js";

export function register(program: Command) {
  program
    .command("values")
    .description("write the complete values for chart/: harbor-config plus the derived upstream harbor: block")
    .argument("<spec>", "spec file")
    .option("-o, --output <file>", "write to this file (atomically); - or nothing: stdout")
    .action(async (file: string, o: { output?: string }) => {
      const { result } = await loadValid(file);
      const { valuesYaml } = await import("../values/build.js");
      if (await writeOrPrint(valuesYaml(result.spec as never, path.basename(file)), o.output)) err(`wrote ${o.output}`);
    });
}
