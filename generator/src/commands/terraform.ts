// harbor-edge terraform SPEC -o DIR|-   (with -o -, the files are printed one after another, each under a
// "# ==> NAME <==" line, as node-config prints its files)
import path from "node:path";
import type { Command } from "commander";
import { err, loadValid, out, toStdout } from "./common.js";

export function register(program: Command) {
  program
    .command("terraform")
    .description(
      "write main.tf and variables.tf: the pack from an OCI pack registry in an edge-native add-on cluster profile whose values are the pack's values.yaml (needs the upstream chart in the chart cache, for the image list)",
    )
    .argument("<spec>", "spec file")
    .requiredOption("-o, --output <dir>", "directory to write into; - prints the files")
    .action(async (file: string, o: { output: string }) => {
      const [{ result }, { terraformFiles }, { packImages }, { packNotices }, { chartVersion }, { writeFileAtomic }] = await Promise.all([
        loadValid(file),
        import("../pack/terraform.js"),
        import("../pack/build.js"),
        import("../pack/files.js"),
        import("../common/version.js"),
        import("../io/atomic.js"),
      ]);
      const spec = result.spec as never;
      const files = terraformFiles(spec, { version: chartVersion().replace(/^v/, ""), images: packImages(spec, "harbor-edge terraform") });
      for (const note of packNotices(spec)) err(`note: ${note}`);
      if (toStdout(o.output))
        return out(
          Object.entries(files)
            .map(([name, text]) => `# ==> ${name} <==\n${text}${text.endsWith("\n") ? "" : "\n"}`)
            .join(""),
        );
      for (const [name, text] of Object.entries(files)) writeFileAtomic(path.join(o.output, name), text);
      err(
        `wrote ${Object.keys(files)
          .map((f) => path.join(o.output, f))
          .join(", ")}`,
      );
    });
}
