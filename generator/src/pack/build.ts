// `harbor-edge pack`: the Palette pack directory and its .tar.gz. I/O at the edge (helm package, tar via zx);
// the file contents come from pack/files.ts. Written into a temporary directory and moved into place only
// when complete, so a failed run leaves nothing half-written.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { $ } from "zx";
import { renderSpec, renderableSpec } from "../chart/render.js";
import { runHelm } from "../chart/chart.js";
import { imagesFromManifests } from "../chart/images.js";
import type { Spec } from "../spec/types.js";
import { packJson, packValuesYaml, schemaYaml, presetsYaml, packReadme, packSpec, PACK_NAME } from "./files.js";
import { logoPng } from "./logo.js";
import { ensureDir } from "../io/atomic.js";
import { chartVersion } from "../common/version.js";

export interface PackResult {
  dir: string;
  archive: string;
  version: string;
  images: string[];
  files: string[];
}

export { chartVersion };

/** The images the pack's chart pulls for the spec (packSpec), from a full render: needs the upstream chart. */
export function packImages(spec: Spec, command: string): string[] {
  const full = renderSpec(renderableSpec(packSpec(spec)), "pack", { requireUpstream: command });
  try {
    return imagesFromManifests(full.manifests);
  } finally {
    full.chart.cleanup();
  }
}

export async function buildPack(spec: Spec, outDir: string, step: (label: string) => () => void = () => () => {}): Promise<PackResult> {
  const version = chartVersion().replace(/^v/, "");
  const name = `${PACK_NAME}-${version}`;
  const chartArchive = `charts/${PACK_NAME}-${version}.tgz`;
  let done = step("rendering the chart for its images");
  const full = renderSpec(renderableSpec(packSpec(spec)), "pack", { requireUpstream: "harbor-edge pack" });
  done();
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-pack-"));
  try {
    const images = imagesFromManifests(full.manifests);
    const dir = path.join(staging, name);
    fs.mkdirSync(path.join(dir, "charts"), { recursive: true });
    done = step("packaging the chart with the harbor subchart");
    const pkg = runHelm(full.helm, ["package", full.chart.dir, "--destination", path.join(dir, "charts")]);
    done();
    if (pkg.code !== 0) throw new Error(`helm package failed:\n${pkg.stderr.trim()}`);
    const meta = { version, chartArchive };
    fs.writeFileSync(path.join(dir, "pack.json"), `${JSON.stringify(packJson(meta), null, 2)}\n`);
    fs.writeFileSync(path.join(dir, "values.yaml"), packValuesYaml(spec, images));
    fs.writeFileSync(path.join(dir, "schema.yaml"), schemaYaml());
    fs.writeFileSync(path.join(dir, "presets.yaml"), presetsYaml());
    fs.writeFileSync(path.join(dir, "README.md"), packReadme(meta));
    fs.writeFileSync(path.join(dir, "logo.png"), logoPng());
    done = step("writing the archive");
    await $({ quiet: true })`tar -czf ${path.join(staging, `${name}.tar.gz`)} -C ${staging} ${name}`;
    done();
    // move into place: the directory, then the archive
    ensureDir(outDir);
    const finalDir = path.join(outDir, name);
    const finalArchive = path.join(outDir, `${name}.tar.gz`);
    fs.rmSync(finalDir, { recursive: true, force: true });
    fs.cpSync(dir, finalDir, { recursive: true });
    fs.copyFileSync(path.join(staging, `${name}.tar.gz`), `${finalArchive}.tmp`);
    fs.renameSync(`${finalArchive}.tmp`, finalArchive);
    const files = fs.readdirSync(finalDir, { recursive: true }).map(String).sort();
    return { dir: finalDir, archive: finalArchive, version, images, files };
  } finally {
    full.chart.cleanup();
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
