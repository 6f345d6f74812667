// The tree shows the pipeline (docs/ARCHITECTURE.md): generator/src holds one folder per stage, and a stage
// imports only the stages below it. No import cycles between modules.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SRC = path.join(ROOT, "generator/src");

/** Bottom to top. A module may import its own folder and any folder listed before it. */
export const STAGES = [
  "paths.ts", // where the package's files are, resolved from its own place (so it stays at the root of src)
  "common",
  "io",
  "kube",
  "registry",
  "harbor",
  "certs",
  "spec",
  "values",
  "secrets",
  "chart",
  "pack",
  "nodeconfig",
  "nodecheck",
  "seed",
  "configure",
  "report",
  "status",
  "commands",
  "cli.ts",
  "main.ts",
];

const stageOf = (rel: string) => (rel.includes("/") ? rel.split("/")[0] : rel);

function modules(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) out.push(path.relative(SRC, p).split(path.sep).join("/"));
    }
  };
  walk(SRC);
  return out.sort();
}

/** The modules a module imports (static, dynamic and type-only), relative to generator/src. */
function importsOf(rel: string): string[] {
  const text = fs.readFileSync(path.join(SRC, rel), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1])).replace(/\.js$/, ".ts"));
  }
  return out;
}

/** Imports that go up the stage list, or to no module of generator/src. Pure. */
function upward(graph: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [m, ts] of graph) {
    for (const t of ts) {
      if (!graph.has(t)) out.push(`${m} imports ${t}, which is not a module of generator/src`);
      else if (STAGES.indexOf(stageOf(t)) > STAGES.indexOf(stageOf(m)))
        out.push(`${m} (${stageOf(m)}) imports ${t} (${stageOf(t)}, above it)`);
    }
  }
  return out;
}

/** Import cycles, each as a path. Pure. */
function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 1 | 2>();
  const out: string[] = [];
  const visit = (m: string, stack: string[]) => {
    state.set(m, 1);
    for (const t of graph.get(m) ?? []) {
      if (state.get(t) === 1) out.push([...stack.slice(stack.indexOf(t)), m, t].join(" -> "));
      else if (!state.has(t)) visit(t, [...stack, m]);
    }
    state.set(m, 2);
  };
  for (const m of graph.keys()) if (!state.has(m)) visit(m, []);
  return out;
}

describe("generator/src: one folder per stage, imports only downward", () => {
  const all = modules();
  const graph = new Map(all.map((m) => [m, importsOf(m)]));

  it("every folder and root module of generator/src is a stage of the list", () => {
    expect([...new Set(all.map(stageOf))].filter((s) => !STAGES.includes(s))).toEqual([]);
    expect(STAGES.filter((s) => !all.some((m) => stageOf(m) === s))).toEqual([]);
  });

  it("no stage imports a stage above it", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(upward(graph)).toEqual([]);
  });

  it("no import cycle between modules", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("the checks see an upward import and a cycle (canaries)", () => {
    const bad = new Map([
      ["spec/read.ts", ["report/run.ts"]],
      ["report/run.ts", ["io/http.ts"]],
      ["io/http.ts", ["io/pool.ts"]],
      ["io/pool.ts", ["io/http.ts"]],
    ]);
    expect(upward(bad)).toEqual(["spec/read.ts (spec) imports report/run.ts (report, above it)"]);
    expect(cycles(bad)).toEqual(["io/http.ts -> io/pool.ts -> io/http.ts"]);
    expect(importsOf("spec/read.ts").length).toBeGreaterThan(0);
  });
});

describe("docs/ARCHITECTURE.md matches the tree", () => {
  const page = fs.readFileSync(path.join(ROOT, "docs/ARCHITECTURE.md"), "utf8");
  /** The first cell of every table row: `name/` or `a`, `b` (a folder or file of the tree). */
  const named = [...page.matchAll(/^\| ((?:`[^`]+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([^`]+)`/g)].map((x) => x[1]));

  it("the stage table lists the stages in the order the import check uses", () => {
    const section = page.slice(page.indexOf("## generator/src"), page.indexOf("## Build-time"));
    const rows = [...section.matchAll(/^\| ((?:`[^`]+`(?:, )?)+) \|/gm)].flatMap((m) =>
      [...m[1].matchAll(/`([^`]+)`/g)].map((x) => x[1].replace(/\/$/, "")),
    );
    expect(rows).toEqual(STAGES);
  });

  it("every folder or file the page names exists", () => {
    const missing = named.filter((n) => {
      const inSrc = STAGES.includes(n.replace(/\/$/, ""));
      return !fs.existsSync(path.join(inSrc ? SRC : ROOT, n.replace(/ \(.*$/, "")));
    });
    expect(named.length).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it("every folder of generator/, chart/ and the root is on the page", () => {
    const folders = (dir: string) =>
      fs
        .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
        .filter((e) => e.isDirectory() && !["node_modules", "dist", "out", ".git", "charts"].includes(e.name))
        .map((e) => `${dir ? `${dir}/` : ""}${e.name}/`);
    const tree = [...folders(""), ...folders("generator"), ...folders("generator/scripts")];
    // named in a table (itself, or a file in it), or the heading of a section
    const on = (f: string) =>
      named.some((n) => n === f || n.startsWith(f)) ||
      page.includes(`## ${f.replace(/\/$/, "")}`) ||
      page.includes(`\`${f.split("/").filter(Boolean).pop()}/\``);
    expect(tree.filter((f) => !on(f))).toEqual([]);
  });
});
