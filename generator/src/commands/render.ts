// harbor-edge render [SPEC] [-o DIR|-] [-s SECRETS] [-n NS] [-r NAME] [--own-only]
// Without the upstream harbor chart in the cache it fails (a GitOps pipeline would otherwise commit a Harbor-less
// render) unless --own-only asks for this chart's templates alone. Data (the manifests with -o -) goes to stdout,
// messages to stderr.
import path from "node:path";
import { Option, type Command } from "commander";
import { DEFAULT_SPEC } from "../paths.js";
import { err, Invalid, out, readSpecFile, reportValid } from "./common.js";
import { RENDER_OPTIONS, type RenderOptionValues } from "./render-options.js";
import { claimEarly, helmInputs } from "./render-early.js";

export function register(program: Command) {
  const cmd = program
    .command("render")
    .description(
      "validate a spec, write its values and render the chart with helm template (the main job; the default spec is examples/edge-single-node.yaml). Needs the upstream harbor chart in the chart cache unless --own-only",
    )
    .argument("[spec]", "spec file", DEFAULT_SPEC);
  for (const o of Object.values(RENDER_OPTIONS))
    cmd.addOption(new Option(o.flags, o.description).default("default" in o ? o.default : undefined).hideHelp("hidden" in o && o.hidden));
  cmd.action(async (file: string, o: RenderOptionValues) => {
    const dir = o.outDir ?? o.output;
    // helm was started before commander loaded (render-early.ts), usually with its values already, or starts
    // now, while the rest loads and the spec is validated; an invalid spec stops it before it has its values
    const inputs = helmInputs(o);
    const early = claimEarly(inputs, file);
    const pending = early?.pending ?? (await import("../chart/start.js")).startRender(inputs);
    let result;
    try {
      if (o.secrets) {
        const { readSecretsFile, SecretsFileError } = await import("../secrets/read.js");
        try {
          readSecretsFile(o.secrets, o.namespace);
        } catch (e) {
          throw e instanceof SecretsFileError ? new Invalid(`-s ${e.message}`) : e;
        }
      }
      ({ result } = await reportValid(file, early?.read ?? (await readSpecFile(file))));
      await pending.give(result.spec as never, path.basename(file));
    } catch (e) {
      pending.abort();
      throw e;
    }
    const [{ progress }, { writeFileAtomic }] = await Promise.all([import("../io/progress.js"), import("../io/atomic.js")]);
    const done = progress("rendering the chart");
    const r = await pending.finish();
    done();
    try {
      if (!r.chart.withUpstream && !o.ownOnly) {
        const { UpstreamMissing } = await import("../chart/render.js");
        throw new Invalid(
          `${new UpstreamMissing("harbor-edge render").message}; or pass --own-only to render this chart's templates alone. Nothing was written`,
        );
      }
      const kinds = (r.manifests.match(/^kind: /gm) ?? []).length;
      const what = `${kinds} objects, helm ${r.helm.version}${r.chart.withUpstream ? ", with upstream harbor chart" : ", harbor-edge templates only"}`;
      if (dir === "-") {
        out(r.manifests);
        err(`${file}: valid; rendered ${what}`);
        return;
      }
      writeFileAtomic(path.join(dir, "values.yaml"), r.values);
      writeFileAtomic(path.join(dir, "manifests.yaml"), r.manifests);
      err(`${file}: valid; wrote ${path.join(dir, "values.yaml")} and ${path.join(dir, "manifests.yaml")} (${what})`);
    } finally {
      r.chart.cleanup();
    }
  });
}
