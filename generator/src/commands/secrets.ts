// harbor-edge secrets SPEC -o FILE|- [-n NS] [--force]
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { err, Invalid, loadValid, out, toStdout } from "./common.js";

export function register(program: Command) {
  program
    .command("secrets")
    .description(
      "generate, once, every credential the chart would otherwise generate at install time (admin password, component secrets, keys, certificates); keep the file sealed and pass it with -f",
    )
    .argument("<spec>", "spec file")
    .requiredOption("-o, --output <file>", "file to write (created with mode 0600); - prints the credentials on stdout")
    .option("-n, --namespace <ns>", "namespace the chart is installed in (part of the certificate's names)", "harbor")
    .option("--force", "overwrite an existing file (its credentials would no longer match a running Harbor)")
    .action(async (file: string, o: { output: string; namespace: string; force?: boolean }) => {
      const { result } = await loadValid(file);
      const print = toStdout(o.output);
      if (!print && fs.existsSync(o.output) && !o.force)
        throw new Invalid(`${o.output} exists: its credentials may already be in use; pass --force to replace them`);
      const [{ progress }, { generateSecrets }, { default: yaml }, { writeFileAtomic }] = await Promise.all([
        import("../io/progress.js"),
        import("../secrets/generate.js"),
        import("js-yaml"),
        import("../io/atomic.js"),
      ]);
      const done = progress("generating keys and certificates");
      const secrets = generateSecrets(result.spec as never, { namespace: o.namespace });
      done();
      const text = `# credentials for harbor-edge-native-config (harbor-edge secrets ${path.basename(file)}); keep sealed\n${yaml.dump({ secrets }, { lineWidth: -1 })}`;
      if (print) return out(text);
      writeFileAtomic(o.output, text, 0o600);
      err(`wrote ${o.output}`);
    });
}
