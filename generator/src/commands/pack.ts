// harbor-edge pack SPEC -o DIR|- [--quiet|--json]: with -o - the pack's .tar.gz goes to stdout (built in a
// temporary directory, removed afterwards); messages always go to stderr.
import type { Command } from "commander";
import { err, loadValid, out, toStdout } from "./common.js";

export function register(program: Command) {
  program
    .command("pack")
    .description(
      "build the Palette pack: DIR/harbor-edge-native-config-<version>/ (pack.json, values.yaml, charts/*.tgz with the harbor subchart, logo.png, README.md, schema.yaml, presets.yaml) and its .tar.gz",
    )
    .argument("<spec>", "spec file")
    .requiredOption("-o, --output <dir>", "directory to write into; - writes the .tar.gz to stdout")
    .option("-q, --quiet", "print nothing but errors")
    .option("--json", "print a machine-readable summary")
    .action(async (file: string, o: { output: string; quiet?: boolean; json?: boolean }) => {
      const [{ result }, { buildPack }, { packNotices }, { progress }, fs, os, path] = await Promise.all([
        loadValid(file, o.quiet || o.json),
        import("../pack/build.js"),
        import("../pack/files.js"),
        import("../io/progress.js"),
        import("node:fs"),
        import("node:os"),
        import("node:path"),
      ]);
      if (!o.quiet) for (const note of packNotices(result.spec as never)) err(`note: ${note}`);
      const step = (label: string) => (o.quiet || o.json ? () => {} : progress(label));
      const print = toStdout(o.output);
      const dir = print ? fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-pack-out-")) : o.output;
      try {
        const r = await buildPack(result.spec as never, dir, step);
        if (print) {
          const { pipeline } = await import("node:stream/promises");
          await pipeline(fs.createReadStream(r.archive), process.stdout, { end: false });
          if (o.json) err(JSON.stringify({ ...r, dir: undefined, archive: "-" }, null, 2));
          else if (!o.quiet) err(`wrote ${path.basename(r.archive)} to stdout (${r.images.length} images)`);
          return;
        }
        if (o.json) out(JSON.stringify(r, null, 2));
        else if (!o.quiet) err(`wrote ${r.dir} and ${r.archive} (${r.images.length} images)`);
      } finally {
        if (print) fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}
