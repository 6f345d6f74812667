// harbor-edge validate SPEC [--json]
import type { Command } from "commander";
import { Invalid, loadValid, out } from "./common.js";

export function register(program: Command) {
  program
    .command("validate")
    .description(
      "check a spec: JSON Schema (every problem at once), certificates, ports and what each backend needs. Exit 0 valid, 1 invalid, 2 usage error",
    )
    .argument("<spec>", "YAML or JSON file whose top-level key is harbor-config (a chart values file or a Palette pack's values.yaml too)")
    .option("--json", "print machine-readable results on stdout")
    .action(async (file: string, o: { json?: boolean }) => {
      if (o.json) {
        const [{ readSpec }, { SpecInputError }] = await Promise.all([import("../spec/read.js"), import("../spec/problems.js")]);
        let report: Record<string, unknown>;
        try {
          const { result: r } = readSpec(file);
          report = { file, valid: r.ok, errors: r.errors, warnings: r.warnings };
        } catch (e) {
          if (!(e instanceof SpecInputError)) throw e;
          report = {
            file,
            valid: false,
            errors: [{ path: "", expected: "a readable YAML or JSON spec", given: e.message, severity: "error" }],
            warnings: [],
          };
        }
        out(JSON.stringify(report, null, 2));
        if (!report.valid) throw new Invalid("");
        return;
      }
      await loadValid(file);
      out(`${file}: valid`);
    });
}
