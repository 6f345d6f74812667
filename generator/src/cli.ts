// harbor-edge: validate a harbor-config spec, write chart values, secrets, and render the chart.
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { Command, CommanderError, Option } from "commander";
import yaml from "js-yaml";
import type { ValidationResult } from "./spec/validate.js";
import { readSpec } from "./spec/read.js";
import { formatProblem, SpecInputError } from "./spec/problems.js";
import { valuesYaml } from "./values/build.js";
import type { Spec } from "./values/derive.js";
import { generateSecrets } from "./secrets/generate.js";
import { writeFileAtomic } from "./io/atomic.js";
import { DEFAULT_SPEC } from "./paths.js";
import { progress } from "./io/progress.js";
import { renderSpec, renderableSpec } from "./helm/render.js";
import { imagesFromManifests } from "./images/list.js";
import { buildPack, chartVersion } from "./pack/build.js";
import { terraformFiles } from "./terraform/build.js";
import { register as registerNodeConfig } from "./nodeconfig/command.js";
import { register as registerStatus } from "./status/index.js";
import { register as registerSeed } from "./seed/index.js";

/** Exit codes: 0 ok, 1 invalid input, 2 usage error. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

class Invalid extends Error {}

function out(s: string) {
  process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
}
function err(s: string) {
  process.stderr.write(s.endsWith("\n") ? s : `${s}\n`);
}

/** Loads and validates; prints problems; throws Invalid when the spec cannot be used. */
function loadValid(file: string, quiet = false): { result: ValidationResult; root: string } {
  const { loaded, result } = readSpec(file);
  if (!quiet) for (const w of result.warnings) err(formatProblem(w));
  if (!result.ok) {
    for (const e of result.errors) err(formatProblem(e));
    throw new Invalid(`${file}: ${result.errors.length} problem${result.errors.length > 1 ? "s" : ""}; nothing was written`);
  }
  return { result, root: loaded.root };
}

function writeOrPrint(text: string, file: string | undefined) {
  if (file) writeFileAtomic(file, text);
  else out(text);
}

export function buildProgram(): Command {
  const program = new Command("harbor-edge")
    .description("Harbor on Edge clusters: validate a harbor-config spec, write chart values and secrets, render the chart.")
    .version("1.0.0")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("validate")
    .description("check a spec: JSON Schema (every problem at once), certificates, ports and what each backend needs. Exit 0 valid, 1 invalid, 2 usage error")
    .argument("<spec>", "YAML or JSON file whose top-level key is harbor-config (a chart values file or a Palette pack's values.yaml too)")
    .option("--json", "print machine-readable results on stdout")
    .action((file: string, o: { json?: boolean }) => {
      if (o.json) {
        let report: Record<string, unknown>;
        try {
          const { result: r } = readSpec(file);
          report = { file, valid: r.ok, errors: r.errors, warnings: r.warnings };
        } catch (e) {
          if (!(e instanceof SpecInputError)) throw e;
          report = { file, valid: false, errors: [{ path: "", expected: "a readable YAML or JSON spec", given: e.message, severity: "error" }], warnings: [] };
        }
        out(JSON.stringify(report, null, 2));
        if (!report.valid) throw new Invalid("");
        return;
      }
      loadValid(file);
      out(`${file}: valid`);
    });

  program
    .command("values")
    .description("write the complete values for chart/: harbor-config plus the derived upstream harbor: block")
    .argument("<spec>", "spec file")
    .option("-o, --output <file>", "write to this file (atomically) instead of stdout")
    .action((file: string, o: { output?: string }) => {
      const { result } = loadValid(file);
      writeOrPrint(valuesYaml(result.spec as Spec, path.basename(file)), o.output);
      if (o.output) err(`wrote ${o.output}`);
    });

  program
    .command("secrets")
    .description("generate, once, every credential the chart would otherwise generate at install time (admin password, component secrets, keys, certificates); keep the file sealed and pass it with -f")
    .argument("<spec>", "spec file")
    .requiredOption("-o, --output <file>", "file to write (created with mode 0600)")
    .option("-n, --namespace <ns>", "namespace the chart is installed in (part of the certificate's names)", "harbor")
    .option("--force", "overwrite an existing file (its credentials would no longer match a running Harbor)")
    .action((file: string, o: { output: string; namespace: string; force?: boolean }) => {
      const { result } = loadValid(file);
      if (fs.existsSync(o.output) && !o.force) throw new Invalid(`${o.output} exists: its credentials may already be in use; pass --force to replace them`);
      const done = progress("generating keys and certificates");
      const secrets = generateSecrets(result.spec as Spec, { namespace: o.namespace });
      done();
      const text = `# credentials for harbor-edge-native-config (harbor-edge secrets ${path.basename(file)}); keep sealed\n${yaml.dump({ secrets }, { lineWidth: -1 })}`;
      writeFileAtomic(o.output, text, 0o600);
      err(`wrote ${o.output}`);
    });

  program
    .command("render")
    .description("validate a spec, write its values and render the chart with helm template (the main job; the default spec is examples/edge-single-node.yaml)")
    .argument("[spec]", "spec file", DEFAULT_SPEC)
    .option("-d, --out-dir <dir>", "write values.yaml and manifests.yaml here", "out")
    .option("-s, --secrets <file>", "secrets file from harbor-edge secrets, for a repeatable render")
    .option("-n, --namespace <ns>", "release namespace", "harbor")
    .option("-r, --release <name>", "release name", "harbor")
    .addOption(new Option("--own-only", "render only this chart's templates, without the upstream harbor chart"))
    .action((file: string, o: { outDir: string; secrets?: string; namespace: string; release: string; ownOnly?: boolean }) => {
      const { result } = loadValid(file);
      const done = progress("rendering the chart");
      const r = renderSpec(result.spec as Spec, path.basename(file), { ownOnly: o.ownOnly, extraValuesFiles: o.secrets ? [o.secrets] : [], namespace: o.namespace, release: o.release });
      done();
      try {
        if (r.chart.note) err(`note: ${r.chart.note}`);
        writeFileAtomic(path.join(o.outDir, "values.yaml"), r.values);
        writeFileAtomic(path.join(o.outDir, "manifests.yaml"), r.manifests);
        const kinds = (r.manifests.match(/^kind: /gm) ?? []).length;
        out(`${file}: valid; wrote ${path.join(o.outDir, "values.yaml")} and ${path.join(o.outDir, "manifests.yaml")} (${kinds} objects, helm ${r.helm.version}${r.chart.withUpstream ? ", with upstream harbor chart" : ", harbor-edge templates only"})`);
      } finally {
        r.chart.cleanup();
      }
    });

  program
    .command("images")
    .description("list the exact images the chart pulls for a spec, read from a full render (needs the upstream chart in the chart cache)")
    .argument("<spec>", "spec file")
    .option("--json", "print a JSON array")
    .action((file: string, o: { json?: boolean }) => {
      const { result } = loadValid(file);
      const full = renderSpec(renderableSpec(result.spec as Spec), path.basename(file), { requireUpstream: "harbor-edge images" });
      try {
        const images = imagesFromManifests(full.manifests);
        out(o.json ? JSON.stringify(images, null, 2) : images.join("\n"));
      } finally {
        full.chart.cleanup();
      }
    });

  program
    .command("pack")
    .description("build the Palette pack: DIR/harbor-edge-native-config-<version>/ (pack.json, values.yaml, charts/*.tgz with the harbor subchart, logo.png, README.md, schema.yaml, presets.yaml) and its .tar.gz")
    .argument("<spec>", "spec file")
    .requiredOption("-o, --output <dir>", "directory to write into")
    .option("-q, --quiet", "print nothing but errors")
    .option("--json", "print a machine-readable summary")
    .action(async (file: string, o: { output: string; quiet?: boolean; json?: boolean }) => {
      const { result } = loadValid(file, o.quiet || o.json);
      const step = (label: string) => (o.quiet || o.json ? () => {} : progress(label));
      const r = await buildPack(result.spec as Spec, o.output, step);
      if (o.json) out(JSON.stringify(r, null, 2));
      else if (!o.quiet) out(`wrote ${r.dir} and ${r.archive} (${r.images.length} images)`);
    });

  program
    .command("terraform")
    .description("write main.tf and variables.tf: the pack by spectrocloud_pack_simple in an edge-native add-on cluster profile carrying the spec's values")
    .argument("<spec>", "spec file")
    .requiredOption("-o, --output <dir>", "directory to write into")
    .action((file: string, o: { output: string }) => {
      const { result } = loadValid(file);
      const files = terraformFiles(result.spec as Spec, { version: chartVersion() });
      for (const [name, text] of Object.entries(files)) writeFileAtomic(path.join(o.output, name), text);
      err(`wrote ${Object.keys(files).map((f) => path.join(o.output, f)).join(", ")}`);
    });

  registerNodeConfig(program);
  registerStatus(program);
  registerSeed(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    err(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof Invalid) {
      if (e.message) err(`error: ${e.message}`);
      return EXIT.invalid;
    }
    // unreadable input, a missing upstream chart, a failed render: one line, exit 1
    err(`error: ${(e as Error).message}`);
    return EXIT.invalid;
  }
}
