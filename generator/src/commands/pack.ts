// harbor-edge pack SPEC -o DIR [--quiet|--json]
import type { Command } from "commander";
import { err, loadValid, out } from "./common.js";

export function register(program: Command) {
  program
    .command("pack")
    .description("build the Palette pack: DIR/harbor-edge-native-config-<version>/ (pack.json, values.yaml, charts/*.tgz with the harbor subchart, logo.png, README.md, schema.yaml, presets.yaml) and its .tar.gz")
    .argument("<spec>", "spec file")
    .requiredOption("-o, --output <dir>", "directory to write into")
    .option("-q, --quiet", "print nothing but errors")
    .option("--json", "print a machine-readable summary")
    .action(async (file: string, o: { output: string; quiet?: boolean; json?: boolean }) => {
      const [{ result }, { buildPack }, { packNotices }, { progress }] = await Promise.all([loadValid(file, o.quiet || o.json), import("../pack/build.js"), import("../pack/files.js"), import("../io/progress.js")]);
      if (!o.quiet) for (const note of packNotices(result.spec as never)) err(`note: ${note}`);
      const step = (label: string) => (o.quiet || o.json ? () => {} : progress(label));
      const r = await buildPack(result.spec as never, o.output, step);
      if (o.json) out(JSON.stringify(r, null, 2));
      else if (!o.quiet) out(`wrote ${r.dir} and ${r.archive} (${r.images.length} images)`);
    });
}
