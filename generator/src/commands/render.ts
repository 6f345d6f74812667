// harbor-edge render [SPEC] [-d DIR] [-s SECRETS] [-n NS] [-r NAME] [--own-only]
import path from "node:path";
import { Option, type Command } from "commander";
import { DEFAULT_SPEC } from "../paths.js";
import { err, loadValid, out } from "./common.js";

export function register(program: Command) {
  program
    .command("render")
    .description("validate a spec, write its values and render the chart with helm template (the main job; the default spec is examples/edge-single-node.yaml)")
    .argument("[spec]", "spec file", DEFAULT_SPEC)
    .option("-d, --out-dir <dir>", "write values.yaml and manifests.yaml here", "out")
    .option("-s, --secrets <file>", "secrets file from harbor-edge secrets, for a repeatable render")
    .option("-n, --namespace <ns>", "release namespace", "harbor")
    .option("-r, --release <name>", "release name", "harbor")
    .addOption(new Option("--own-only", "render only this chart's templates, without the upstream harbor chart"))
    .action(async (file: string, o: { outDir: string; secrets?: string; namespace: string; release: string; ownOnly?: boolean }) => {
      const [{ startRender }, { progress }, { writeFileAtomic }] = await Promise.all([import("../helm/render.js"), import("../io/progress.js"), import("../io/atomic.js")]);
      // helm starts while the spec is validated; an invalid spec stops it before it has its values
      const pending = startRender({ ownOnly: o.ownOnly, extraValuesFiles: o.secrets ? [o.secrets] : [], namespace: o.namespace, release: o.release });
      let result;
      try {
        ({ result } = await loadValid(file));
      } catch (e) {
        pending.abort();
        throw e;
      }
      const done = progress("rendering the chart");
      const r = await pending.finish(result.spec as never, path.basename(file));
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
