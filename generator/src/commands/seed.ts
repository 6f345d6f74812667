// harbor-edge seed --bundle DIR: loads an air-gap bundle into Harbor's spectro-images project in Palette's
// layout. Heavy modules load inside the action. The bundle is read as streams and checked whole before the
// first upload (seed/bundle.ts); progress in bytes goes to stderr when it is a terminal; --json prints the summary.
import type { Command } from "commander";
import { parseBytes, seedCredentials, type SeedOptions } from "../seed/options.js";

export function register(program: Command): void {
  program
    .command("seed")
    .description(
      "load an air-gap bundle (OCI image layouts or docker save archives, as directories or .tar/.tar.gz) into Harbor's spectro-images project in Palette's layout: docker.io/library/nginx:1.25 -> spectro-images/docker.io/library/nginx:1.25",
    )
    .requiredOption("--bundle <dir>", "directory of the bundle (or one layout or archive)")
    .requiredOption("--harbor <url>", "Harbor's address, e.g. https://10.10.1.5:30003")
    .option("--ca <file>", "PEM CA that signed Harbor's certificate (default: the one in --secrets, else the system's)")
    .option("--username <name>", "Harbor user", "admin")
    .option("--password-env <var>", "environment variable holding the password (default: the one in --secrets)")
    .option(
      "--secrets <file>",
      "secrets file from harbor-edge secrets: the admin password (unless --password-env) and the CA (unless --ca)",
    )
    .option("--project <name>", "Harbor project", "spectro-images")
    .option("--chunk-size <bytes>", "upload blobs larger than this in chunks (0: always whole)", "0")
    .option("--max-bytes <bytes>", "a .tar.gz may unpack to at most this many bytes (a gzip bomb guard; K, M, G suffixes)", "32G")
    .option("--json", "print a machine-readable summary on stdout")
    .action(async (o: SeedOptions) => {
      const fs = await import("node:fs");
      const { Registry } = await import("../registry/distribution.js");
      const { loadBundle } = await import("../seed/bundle.js");
      const { terminalProgress, mib } = await import("../seed/progress.js");
      const { seedImages } = await import("../seed/push.js");
      const { checkProject } = await import("../seed/harbor.js");
      const { urlOption } = await import("./common.js");
      await urlOption("--harbor", o.harbor);
      const chunkSize = Number(o.chunkSize);
      if (!Number.isInteger(chunkSize) || chunkSize < 0)
        throw new Error(`--chunk-size: expected a whole number of bytes, given ${o.chunkSize}`);
      const maxBytes = parseBytes(o.maxBytes);
      if (maxBytes === undefined) throw new Error(`--max-bytes: expected a number of bytes (e.g. 64G), given ${o.maxBytes}`);
      const { password, ca } = await seedCredentials(o, process.env, (f) => fs.readFileSync(f, "utf8"));
      const progress = terminalProgress();
      // the whole bundle is checked before the first request: a refused bundle pushes nothing
      const bundle = await loadBundle(o.bundle, {
        maxBytes,
        onBytes: (phase, n) => progress.update(phase === "unpacking" ? `unpacking ${o.bundle}` : "checking the bundle", n),
      });
      try {
        const reg = new Registry({ url: o.harbor, username: o.username, password, ca, chunkSize });
        await checkProject(reg, o.project, { username: o.username, password, ca });
        const r = await seedImages(bundle.images, reg, {
          project: o.project,
          onImage: (i) => {
            progress.clear();
            if (!o.json) process.stderr.write(`${i.name} -> ${i.target}${i.note ? ` (${i.note})` : ""}\n`);
          },
          onBytes: (n) => progress.update("uploading", n),
        });
        progress.clear();
        if (o.json) process.stdout.write(`${JSON.stringify({ ...r, bytesChecked: bundle.blobBytes }, null, 2)}\n`);
        else
          process.stdout.write(
            `seeded ${r.images.length} images into ${o.project} (${r.unchanged} already there): ${r.blobsUploaded} blobs uploaded (${mib(r.bytesUploaded)}), ${r.blobsPresent} blobs already there, ${r.manifests} manifests; ${r.requests} requests in ${(r.ms / 1000).toFixed(1)}s\n`,
          );
      } finally {
        progress.clear();
        bundle.close();
      }
    });
}
