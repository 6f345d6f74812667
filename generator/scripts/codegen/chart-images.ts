// Chart.yaml's artifacthub.io/images annotation: the images of the default spec, read from a full render.
// It needs the upstream chart from the chart cache; without it the file cannot be checked or written here.
import yaml from "js-yaml";
import { cachedUpstream } from "../../src/chart/chart.js";
import { renderSpec } from "../../src/chart/render.js";
import { imagesFromManifests } from "../../src/chart/images.js";
import { validateSpec } from "../../src/spec/validate.js";
import type { Spec } from "../../src/spec/types.js";
import { packageVersion } from "../../src/common/version.js";

export const IMAGES_ANNOTATION = "artifacthub.io/images";

export function defaultImages(): string[] {
  const full = renderSpec(validateSpec({}).spec as Spec, "defaults", { requireUpstream: "npm run generate (Chart.yaml images)" });
  try {
    return imagesFromManifests(full.manifests);
  } finally {
    full.chart.cleanup();
  }
}

/**
 * Chart.yaml with its version set to package.json's (one version for the CLI, the chart and the pack) and the
 * images annotation from a full render; without the upstream chart at hand the annotation is kept as it is.
 */
export function chartYamlWithImages(current: string): string | undefined {
  const chart = yaml.load(current) as Record<string, any>;
  chart.version = packageVersion();
  if (cachedUpstream()) {
    const list = defaultImages().map((image) => ({ name: image.split("/").pop()!.split(":")[0], image }));
    chart.annotations = { ...(chart.annotations ?? {}), [IMAGES_ANNOTATION]: yaml.dump(list, { lineWidth: -1 }) };
  }
  return yaml.dump(chart, { lineWidth: -1, noRefs: true });
}
