// harbor-edge images SPEC [--json]
import path from "node:path";
import type { Command } from "commander";
import { loadValid, out } from "./common.js";

export function register(program: Command) {
  program
    .command("images")
    .description("list the exact images the chart pulls for a spec, read from a full render (needs the upstream chart in the chart cache)")
    .argument("<spec>", "spec file")
    .option("--json", "print a JSON array")
    .action(async (file: string, o: { json?: boolean }) => {
      const [{ result }, { renderSpec, renderableSpec }, { imagesFromManifests }] = await Promise.all([
        loadValid(file),
        import("../chart/render.js"),
        import("../chart/images.js"),
      ]);
      const full = renderSpec(renderableSpec(result.spec as never), path.basename(file), { requireUpstream: "harbor-edge images" });
      try {
        const images = imagesFromManifests(full.manifests);
        out(o.json ? JSON.stringify(images, null, 2) : images.join("\n"));
      } finally {
        full.chart.cleanup();
      }
    });
}
