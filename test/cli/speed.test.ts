// What keeps harbor-edge fast (npm run bench measures it): command modules load nothing heavy until their action
// runs; validate and help run one bundle through V8's code cache, kept only where it is safe, and give what
// generator/dist/cli.js gives; a render runs exactly one helm process, reads the chart where it is (nothing copied, nothing written into
// chart/, nothing left in the temporary directory), and gives the same bytes as a bare helm template.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, CHART_DIR, DEFAULT_SPEC, chartCacheDir } from "../../generator/src/paths.js";
import { linkChart, prepareChart, helmTemplate, UPSTREAM_ARCHIVE } from "../../generator/src/chart/chart.js";
import { HELMS, UPSTREAM, announceUpstream } from "../helpers/chart.js";
import { cli } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";
import { guessRender, startEarly, claimEarly, abortUnclaimed, helmInputs } from "../../generator/src/commands/render-early.js";
import { RENDER_OPTIONS } from "../../generator/src/commands/render-options.js";
import { requireCached, safeCacheDir } from "../../generator/src/spec/code-cache.js";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import { runProcess } from "../helpers/process.js";

announceUpstream();
const SRC = path.join(ROOT, "generator", "src");

/** Static (non-type) imports of a TypeScript module. */
function staticImports(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/^import\s+(?!type\s)(?:[^'"]*?\s+from\s+)?["']([^"']+)["']/gm)].map((m) => m[1]);
}

/** The third-party packages a module loads at load time, following relative imports. */
function loadTimePackages(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const out: string[] = [];
  for (const spec of staticImports(file)) {
    if (spec.startsWith("node:")) continue;
    if (spec.startsWith(".")) out.push(...loadTimePackages(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")), seen));
    else out.push(spec);
  }
  return [...new Set(out)];
}

describe("lazy loading", () => {
  const cliFile = path.join(SRC, "cli.ts");
  const commandModules = [...fs.readFileSync(cliFile, "utf8").matchAll(/^\s+[\w"-]+: \(\) => import\("(\.[^"]+)"\),$/gm)].map((m) =>
    path.resolve(SRC, m[1].replace(/\.js$/, ".ts")),
  );

  it("cli.ts lists the commands, one line each", () => {
    expect(commandModules.length).toBeGreaterThanOrEqual(7);
    for (const m of commandModules) expect(fs.existsSync(m), m).toBe(true);
  });

  it("cli.ts loads no package, and every command module none but commander, until a command runs (else --help slows down)", () => {
    expect(loadTimePackages(cliFile)).toEqual([]);
    for (const m of commandModules)
      expect(
        loadTimePackages(m).filter((p) => p !== "commander"),
        `${path.relative(ROOT, m)}: import it inside the action instead`,
      ).toEqual([]);
  });

  it("each COMMANDS key is the name its module registers (harbor-edge KEY loads that module alone)", async () => {
    const { Command } = await import("commander");
    const entries = [...fs.readFileSync(cliFile, "utf8").matchAll(/^\s+"?([\w-]+)"?: \(\) => import\("(\.[^"]+)"\),$/gm)];
    expect(entries.length).toBe(commandModules.length);
    for (const [, key, mod] of entries) {
      const program = new Command("harbor-edge");
      (await import(path.resolve(SRC, mod.replace(/\.js$/, ".ts")))).register(program);
      expect(
        program.commands.map((c) => c.name()),
        mod,
      ).toEqual([key]);
    }
  });

  it("render's early start (helm before commander) loads no package before helm runs", () => {
    for (const m of ["commands/render-early.ts", "commands/render-options.ts", "chart/start.ts"])
      expect(loadTimePackages(path.join(SRC, m)), m).toEqual([]);
  });

  it("the check sees a heavy import (it can fail)", () => {
    expect(loadTimePackages(path.join(SRC, "pack", "build.ts"))).toEqual(expect.arrayContaining(["zx", "js-yaml"]));
  });
});

describe("the chart as helm reads it", () => {
  it("a view of symbolic links, with the upstream archive from the cache; chart/ untouched; cleanup leaves nothing", () => {
    const before = fs.readdirSync(CHART_DIR).sort();
    const view = linkChart();
    try {
      expect(view.dir.startsWith(os.tmpdir())).toBe(true);
      for (const entry of fs.readdirSync(view.dir).filter((e) => e !== "charts" && (UPSTREAM || !/^Chart\./.test(e)))) {
        expect(fs.lstatSync(path.join(view.dir, entry)).isSymbolicLink(), entry).toBe(true);
      }
      if (UPSTREAM) expect(fs.realpathSync(path.join(view.dir, "charts", UPSTREAM_ARCHIVE))).toBe(fs.realpathSync(UPSTREAM));
    } finally {
      view.cleanup();
    }
    expect(fs.existsSync(path.dirname(view.dir))).toBe(false);
    expect(fs.readdirSync(CHART_DIR).sort()).toEqual(before);
  });

  it.skipIf(!UPSTREAM)("chart itself when its charts/ already holds the upstream archive (helm dependency build)", () => {
    const copy = prepareChart();
    try {
      const direct = linkChart({ source: copy.dir });
      expect(direct.dir).toBe(copy.dir);
      direct.cleanup();
      expect(fs.existsSync(path.join(copy.dir, "charts", UPSTREAM_ARCHIVE))).toBe(true);
    } finally {
      copy.cleanup();
    }
  });
});

describe("harbor-edge render", () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-shippable-speed-"));
  // render refuses without the upstream chart: then these run on the chart's own templates (--own-only)
  const ownOnly = UPSTREAM ? [] : ["--own-only"];

  it("runs one helm process (its version is remembered), leaves nothing in TMPDIR, and gives the bytes of a bare helm template", () => {
    const dir = tmp();
    try {
      const log = path.join(dir, "helm-calls.log");
      const wrapper = path.join(dir, "helm");
      fs.writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> '${log}'\nexec '${HELMS[0].bin}' "$@"\n`, { mode: 0o755 });
      const tmpdir = path.join(dir, "tmp");
      fs.mkdirSync(tmpdir);
      const env = {
        HARBOR_EDGE_HELM: wrapper,
        XDG_CACHE_HOME: path.join(dir, "cache"),
        HARBOR_EDGE_CHART_CACHE: chartCacheDir(),
        TMPDIR: tmpdir,
      };
      const secrets = path.join(dir, "secrets.yaml");
      expect(cli(["secrets", DEFAULT_SPEC, "-o", secrets], { env }).code).toBe(0);
      const first = cli(["render", DEFAULT_SPEC, "-o", path.join(dir, "out1"), "-s", secrets, ...ownOnly], { env });
      expect(first.code, first.stderr).toBe(0);
      expect(fs.readFileSync(log, "utf8").trim().split("\n")).toEqual(["version", "template"]);
      fs.rmSync(log);
      const second = cli(["render", DEFAULT_SPEC, "-d", path.join(dir, "out2"), "-s", secrets, ...ownOnly], { env });
      expect(second.code, second.stderr).toBe(0);
      expect(fs.readFileSync(log, "utf8").trim().split("\n")).toEqual(["template"]);
      expect(fs.readdirSync(tmpdir)).toEqual([]);

      const manifests = fs.readFileSync(path.join(dir, "out2", "manifests.yaml"), "utf8");
      const chart = prepareChart({ ownOnly: !UPSTREAM });
      try {
        const bare = helmTemplate(HELMS[0], chart.dir, { valuesFiles: [path.join(dir, "out2", "values.yaml"), secrets] });
        expect(bare.code, bare.stderr).toBe(0);
        expect(manifests === bare.stdout, "render differs from a bare helm template of the same chart and values").toBe(true);
      } finally {
        chart.cleanup();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an invalid spec stops the helm it started and leaves nothing behind", () => {
    const dir = tmp();
    try {
      const tmpdir = path.join(dir, "tmp");
      fs.mkdirSync(tmpdir);
      const bad = path.join(dir, "bad.yaml");
      fs.writeFileSync(bad, "harbor-config:\n  service:\n    serviceType: Bogus\n");
      const r = cli(["render", bad, "-d", path.join(dir, "out")], { env: { HARBOR_EDGE_HELM: HELMS[0].bin, TMPDIR: tmpdir } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("serviceType");
      expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
      expect(fs.readdirSync(tmpdir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("two renders at once do not meet (each has its own view)", async () => {
    const dir = tmp();
    try {
      const secrets = path.join(dir, "secrets.yaml");
      expect(cli(["secrets", DEFAULT_SPEC, "-o", secrets]).code).toBe(0);
      const bin = path.join(ROOT, "generator", "bin", "harbor-edge.js");
      const runs = await Promise.all(
        ["a", "b", "c"].map((n) =>
          runProcess(process.execPath, [bin, "render", DEFAULT_SPEC, "-d", path.join(dir, n), "-s", secrets, ...ownOnly], {
            env: { ...process.env, HARBOR_EDGE_HELM: HELMS[0].bin },
          }),
        ),
      );
      expect(
        runs.map((r) => r.code),
        runs.map((r) => r.stderr).join("\n"),
      ).toEqual([0, 0, 0]);
      const [a, b, c] = ["a", "b", "c"].map((n) => fs.readFileSync(path.join(dir, n, "manifests.yaml"), "utf8"));
      expect(a === b && b === c).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("render's early start (commands/render-early.ts)", () => {
  it("commander registers exactly the options parseArgs reads early (one table)", async () => {
    const { Command } = await import("commander");
    const program = new Command("harbor-edge");
    (await import("../../generator/src/commands/render.js")).register(program);
    const render = program.commands.find((c) => c.name() === "render")!;
    expect(render.options.map((o) => o.flags)).toEqual(Object.values(RENDER_OPTIONS).map((o) => o.flags));
  });

  it.each([
    [["spec.yaml"], { inputs: { ownOnly: false, extraValuesFiles: [], namespace: "harbor", release: "harbor" }, file: "spec.yaml" }],
    [
      ["-n", "edge", "-r", "reg", "--own-only", "-s", "s.yaml", "a.yaml"],
      { inputs: { ownOnly: true, extraValuesFiles: ["s.yaml"], namespace: "edge", release: "reg" }, file: "a.yaml" },
    ],
    [
      ["-o", "-", "--release=r", "x.yaml"],
      { inputs: { ownOnly: false, extraValuesFiles: [], namespace: "harbor", release: "r" }, file: "x.yaml" },
    ],
    [
      ["--namespace=edge", "--out-dir", "o"],
      { inputs: { ownOnly: false, extraValuesFiles: [], namespace: "edge", release: "harbor" }, file: DEFAULT_SPEC },
    ],
    [["--help"], undefined],
    [["--bogus", "a.yaml"], undefined],
    [["-n"], undefined],
  ])("argv %j is read as commander will read it, or not at all", (args, expected) => {
    expect(guessRender(args)).toEqual(expected);
  });

  it("what commander reads differently is not used: the early helm is stopped and its chart view removed", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-early-"));
    const keys = ["HARBOR_EDGE_HELM", "XDG_CACHE_HOME", "TMPDIR"] as const;
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    try {
      // a helm that says its version and otherwise records its PID and waits
      const pidFile = path.join(dir, "pid");
      const helm = path.join(dir, "helm");
      fs.writeFileSync(helm, `#!/bin/sh\nif [ "$1" = version ]; then echo v3.18.0; exit 0; fi\necho $$ > '${pidFile}'\nexec sleep 30\n`, {
        mode: 0o755,
      });
      Object.assign(process.env, { HARBOR_EDGE_HELM: helm, XDG_CACHE_HOME: path.join(dir, "cache"), TMPDIR: path.join(dir, "tmp") });
      fs.mkdirSync(path.join(dir, "tmp"));
      await startEarly(["-n", "edge", path.join(dir, "missing.yaml")]);
      await waitFor("the early helm to start", () => fs.existsSync(pidFile), { everyMs: 50 });
      const pid = Number(fs.readFileSync(pidFile, "utf8"));
      expect(fs.readdirSync(path.join(dir, "tmp")).length).toBe(1); // its chart view
      expect(claimEarly(helmInputs({ namespace: "other", release: "harbor" }), path.join(dir, "missing.yaml"))).toBeUndefined();
      await waitFor("the early helm to be stopped", () => !alive(pid), { everyMs: 50, diagnose: () => procState(pid) });
      expect(fs.readdirSync(path.join(dir, "tmp"))).toEqual([]);
      // and one nobody claims (help, a usage error) is stopped the same way
      fs.rmSync(pidFile);
      await startEarly([path.join(dir, "missing.yaml")]);
      await waitFor("the early helm to start", () => fs.existsSync(pidFile), { everyMs: 50 });
      const pid2 = Number(fs.readFileSync(pidFile, "utf8"));
      abortUnclaimed();
      await waitFor("the unclaimed helm to be stopped", () => !alive(pid2), { everyMs: 50, diagnose: () => procState(pid2) });
      expect(fs.readdirSync(path.join(dir, "tmp"))).toEqual([]);
    } finally {
      for (const k of keys)
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a usage error after the early start leaves nothing in TMPDIR", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-early-"));
    try {
      const tmpdir = path.join(dir, "tmp");
      fs.mkdirSync(tmpdir);
      const r = cli(["render", DEFAULT_SPEC, "a-second-spec.yaml", "-d", path.join(dir, "out")], {
        env: { HARBOR_EDGE_HELM: HELMS[0].bin, TMPDIR: tmpdir },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/too many arguments/);
      expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
      expect(fs.readdirSync(tmpdir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The process runs (a zombie, exited but not yet reaped by its parent, does not). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
/** What /proc says of a process, for a timeout's message. */
const procState = (pid: number) => {
  try {
    return fs
      .readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .filter((l) => /^(Name|State|PPid|SigIgn|SigBlk):/.test(l))
      .join(", ");
  } catch {
    return "gone";
  }
};

describe("start-up: validate and help through the bundle and V8's code cache", () => {
  const DIST = path.join(ROOT, "generator", "dist");
  const FAST = path.join(DIST, "cli-fast.cjs");
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-code-cache-"));
  /** A small CommonJS file whose functions V8 compiles lazily. */
  const module = (dir: string, body = "module.exports = (x) => x * 2;") => {
    const file = path.join(dir, "m.cjs");
    fs.writeFileSync(file, body);
    return file;
  };

  it("the build wrote the bundle, and it holds commander and js-yaml (nothing to resolve at start-up)", () => {
    const text = fs.readFileSync(FAST, "utf8");
    expect(text).toContain("node_modules/commander/lib/command.js");
    expect(text).toContain("node_modules/js-yaml/");
    expect(text).not.toContain("node_modules/ajv/dist/core.js");
  });

  it("a second load uses the cache the first kept at exit; a changed file or a corrupt cache is compiled again", () => {
    const dir = tmp();
    try {
      const cache = path.join(dir, "cache");
      const file = module(dir);
      const script = `const { requireCached } = await import(${JSON.stringify(path.join(DIST, "spec", "code-cache.js"))}); const r = requireCached(process.argv[1], "m", { cacheDir: process.argv[2] }); console.log(r.cache, r.exports(21));`;
      const run = () => spawnSync(process.execPath, ["--input-type=module", "-e", script, file, cache], { encoding: "utf8" });
      expect(safeCacheDir(cache)).toBe(cache);
      expect((fs.statSync(cache).mode & 0o777).toString(8)).toBe("700");
      expect(run().stdout.trim()).toBe("miss 42");
      const kept = fs.readdirSync(cache);
      expect(kept).toEqual([expect.stringMatching(/^m-[0-9a-f]{8}\.v8$/)]);
      expect(fs.statSync(path.join(cache, kept[0])).mode & 0o777).toBe(0o600);
      expect(run().stdout.trim()).toBe("hit 42");
      // another file at the same path, of the same length and modification time (as npm installs files), other code: not the old code
      const { atime, mtime } = fs.statSync(file);
      fs.writeFileSync(file, "module.exports = (x) => x * 3;");
      fs.utimesSync(file, atime, mtime);
      expect(run().stdout.trim()).toBe("miss 63");
      expect(run().stdout.trim()).toBe("hit 63");
      fs.writeFileSync(path.join(cache, kept[0]), "garbage");
      fs.chmodSync(path.join(cache, kept[0]), 0o600);
      expect(run().stdout.trim()).toBe("miss 63");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(typeof process.getuid !== "function" || process.getuid() !== 0)(
    "a cache directory or file another user owns, or others may write, is not used (compiled as require() does)",
    () => {
      const dir = tmp();
      try {
        const file = module(dir);
        const wide = path.join(dir, "wide");
        fs.mkdirSync(wide, { mode: 0o700 });
        fs.chmodSync(wide, 0o777);
        expect(safeCacheDir(wide)).toBeUndefined();
        const foreign = path.join(dir, "foreign");
        fs.mkdirSync(foreign, { mode: 0o700 });
        fs.chownSync(foreign, 1234, 1234);
        expect(safeCacheDir(foreign)).toBeUndefined();
        const link = path.join(dir, "link");
        fs.symlinkSync(dir, link);
        expect(safeCacheDir(link)).toBeUndefined();
        // a cache file planted with a wide mode, or by another user, in a safe directory: ignored
        const safe = path.join(dir, "safe");
        expect(safeCacheDir(safe)).toBe(safe);
        const first = requireCached(file, "m", { cacheDir: safe });
        expect(first.cache).toBe("miss");
        first.save!(); // as at exit
        expect(requireCached(file, "m", { cacheDir: safe }).cache).toBe("hit");
        const [kept] = fs.readdirSync(safe);
        fs.chmodSync(path.join(safe, kept), 0o666);
        expect(requireCached(file, "m", { cacheDir: safe }).cache).toBe("miss");
        fs.chmodSync(path.join(safe, kept), 0o600);
        fs.chownSync(path.join(safe, kept), 1234, 1234);
        const planted = requireCached(file, "m", { cacheDir: safe });
        expect(planted.cache).toBe("miss");
        expect((planted.exports as (x: number) => number)(2)).toBe(4);
        expect(requireCached(file, "m", { cacheDir: null }).cache).toBe("off");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("the bin runs validate and help from the bundle (their caches appear), other commands from generator/dist", () => {
    const dir = tmp();
    try {
      const env = { XDG_CACHE_HOME: dir };
      const v8 = path.join(dir, "harbor-edge", "v8");
      expect(cli(["values", DEFAULT_SPEC], { env }).code).toBe(0);
      expect(fs.readdirSync(v8).map((f) => f.replace(/-[0-9a-f]{8}\.v8$/, ""))).toEqual(["spec-validator"]);
      expect(cli(["validate", DEFAULT_SPEC], { env }).code).toBe(0);
      expect(cli(["--help"], { env }).code).toBe(0);
      expect(
        fs
          .readdirSync(v8)
          .map((f) => f.replace(/-[0-9a-f]{8}\.v8$/, ""))
          .sort(),
      ).toEqual(["cli-help", "cli-validate", "spec-validator"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("validate and help load no module of generator/dist beside the bundle (all of it is in one file)", async () => {
    const imported: string[] = [];
    const { exports } = requireCached(FAST, "test", {
      cacheDir: null,
      params: { __harborEdgeImport: async (s: string) => void imported.push(s) },
    });
    const { main } = exports as { main: (argv: string[]) => Promise<number> };
    const write = process.stdout.write,
      ewrite = process.stderr.write;
    process.stdout.write = process.stderr.write = (() => true) as never;
    try {
      expect(await main(["validate", DEFAULT_SPEC])).toBe(0);
      expect(await main(["validate", "--json", DEFAULT_SPEC])).toBe(0);
      expect(await main(["validate", path.join(ROOT, "no-such-spec.yaml")])).toBe(1);
      expect(await main(["--help"])).toBe(0);
      expect(await main(["help", "render"])).toBe(0);
    } finally {
      process.stdout.write = write;
      process.stderr.write = ewrite;
    }
    expect(imported).toEqual([]);
  });

  // certificates: node:crypto loads in the bundle only when a spec has one (its checks must still run)
  let made: Record<"ca" | "cert" | "other", { cert: string; key: string }> | undefined;
  const keys = () => {
    if (made) return made;
    const ca = generateCA("test CA", 365);
    made = {
      ca,
      cert: generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, ca),
      other: generateServerCert("other.example", { dns: ["other.example"], ips: [] }, 365, ca),
    };
    return made;
  };

  it.each([
    [["validate", DEFAULT_SPEC]],
    [["validate", "--json", DEFAULT_SPEC]],
    [["validate", "test/no-such-spec.yaml"]],
    [["validate", "chart/Chart.yaml"]],
    [["validate"]],
    [["--help"]],
    [["-h"]],
    [[]],
    [["help", "validate"]],
    [["--help", "values"]],
  ])("harbor-edge %j gives exactly what generator/dist/cli.js gives", (args) => {
    const dir = tmp();
    try {
      const bad = path.join(dir, "bad.yaml");
      fs.writeFileSync(bad, "harbor-config:\n  service:\n    serviceType: Bogus\n");
      const { ca, cert, other } = keys();
      const withCert = (c: { cert: string; key: string }, name: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(
          file,
          yaml.dump({
            "harbor-config": {
              cluster: { hostname: "spectro.registry.local", vip: "10.0.0.5" },
              auth: { certs: { crt: c.cert, key: c.key, ca: ca.cert } },
            },
          }),
        );
        return file;
      };
      const certs = [
        ["validate", withCert(cert, "good.yaml")],
        ["validate", withCert({ cert: other.cert, key: cert.key }, "mismatch.yaml")],
      ];
      const ref = path.join(dir, "ref.mjs");
      fs.writeFileSync(
        ref,
        `const { main } = await import(${JSON.stringify(path.join(DIST, "cli.js"))}); process.exitCode = await main(process.argv.slice(2));`,
      );
      for (const a of [args, ["validate", bad], ...(args[0] === "validate" ? certs : [])]) {
        const viaBin = cli(a);
        const viaDist = spawnSync(process.execPath, [ref, ...a], { encoding: "utf8", cwd: ROOT });
        expect({ code: viaBin.code, stdout: viaBin.stdout, stderr: viaBin.stderr }).toEqual({
          code: viaDist.status,
          stdout: viaDist.stdout,
          stderr: viaDist.stderr,
        });
        if (a === certs[0]) expect(viaBin.code, viaBin.stderr).toBe(0);
        if (a === certs[1]) expect(viaBin.stderr).toMatch(/auth\.certs/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
