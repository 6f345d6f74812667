// harbor-edge render [SPEC] [-d DIR] [-s SECRETS] [-n NS] [-r NAME] [--own-only]
import path from "node:path";
import { Option, type Command } from "commander";
import { DEFAULT_SPEC } from "../paths.js";
import { err, out, readSpecFile, reportValid } from "./common.js";
import { RENDER_OPTIONS, type RenderOptionValues } from "./render-options.js";
import { claimEarly, helmInputs } from "./render-early.js";

export function register(program: Command) {
  const cmd = program
    .command("render")
    .description("validate a spec, write its values and render the chart with helm template (the main job; the default spec is examples/edge-single-node.yaml)")
    .argument("[spec]", "spec file", DEFAULT_SPEC);
  for (const o of Object.values(RENDER_OPTIONS)) cmd.addOption(new Option(o.flags, o.description).default("default" in o ? o.default : undefined));
  cmd.action(async (file: string, o: RenderOptionValues) => {
    // helm was started before commander loaded (render-early.ts), usually with its values already, or starts
    // now, while the rest loads and the spec is validated; an invalid spec stops it before it has its values
    const inputs = helmInputs(o);
    const early = claimEarly(inputs, file);
    const pending = early?.pending ?? (await import("../helm/start.js")).startRender(inputs);
    let result;
    try {
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
      if (r.chart.note) err(`note: ${r.chart.note}`);
      writeFileAtomic(path.join(o.outDir, "values.yaml"), r.values);
      writeFileAtomic(path.join(o.outDir, "manifests.yaml"), r.manifests);
      const kinds = (r.manifests.match(/^kind: /gm) ?? []).length;
      out(`${file}: valid; wrote ${path.join(o.outDir, "values.yaml")} and ${path.join(o.outDir, "manifests.yaml")} (${kinds} objects, helm ${r.helm.version}${r.chart.withUpstream ? ", with upstream harbor chart" : ", harbor-edge templates only"})`);
    } finally {
      r.chart.cleanup();
    }
  });
}
