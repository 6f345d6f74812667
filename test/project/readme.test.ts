// The docs keep working: README.md, docs/*.md and chart/README.md. Every `kubectl get secret … | base64 --decode`
// they show answers on a render (the password, the certificate, the key), every `harbor-edge …` line of their
// shell blocks is one the CLI parses, and every relative link between them reaches a file and a heading.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { HELMS, render, find, type K8sObject } from "../helpers/chart.js";
import { ROOT } from "../../generator/src/paths.js";

/** kubectl's jsonpath for the simple {.a.b\.c} form the docs use. */
function jsonpath(obj: unknown, expr: string): string {
  const inner = /^\{\.(.*)\}$/.exec(expr)?.[1];
  if (inner === undefined) throw new Error(`unsupported jsonpath ${expr}`);
  const keys = inner.split(/(?<!\\)\./).map((k) => k.replace(/\\\./g, "."));
  let node: any = obj;
  for (const k of keys) node = node?.[k];
  return String(node ?? "");
}

/** Runs `kubectl get secret NAME --namespace NS --output jsonpath="EXPR" | base64 --decode` against rendered objects. */
function run(command: string, objects: K8sObject[]): string {
  const m = /kubectl get secret (\S+) --namespace (\S+) --output jsonpath="([^"]+)" \| base64 --decode/.exec(command);
  if (!m) throw new Error(`not a secret read: ${command}`);
  const [, name, ns] = m;
  const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === name && (o.metadata.namespace ?? "harbor") === ns);
  if (!secret) throw new Error(`${command}: no Secret ${name} in ${ns}`);
  return Buffer.from(jsonpath(secret, m[3]), "base64").toString("utf8");
}

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
/** The docs a user reads, by path from the root. */
const DOCS = [
  "README.md",
  ...fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
  "chart/README.md",
];
const docText = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
const allDocs = DOCS.map(docText).join("\n");
const commands: string[] = allDocs.match(/kubectl get secret \S+ --namespace \S+ --output jsonpath="[^"]+" \| base64 --decode/g) ?? [];

describe("the docs' credential commands", () => {
  const r = render({
    helm: HELMS[0],
    set: [
      "harbor-config.cluster.uid=CLUSTER_UID".toLowerCase().replace("cluster_uid", "abc123"),
      "harbor-config.auth.password=Readme-Pass-1",
    ],
  });

  it("are there: the registry-info password and the harbor-tls CA", () => {
    expect(commands.some((c) => c.includes("registry-info"))).toBe(true);
    expect(commands.some((c) => c.includes("harbor-tls"))).toBe(true);
  });

  it("the seeds' registry-info command prints the admin password", () => {
    const c = commands.find((x) => x.includes("registry-info"))!.replace("cluster-CLUSTER_UID", "cluster-abc123");
    expect(run(c, r.objects)).toBe("Readme-Pass-1");
  });

  it("the harbor-tls command prints a certificate", () => {
    const c = commands.find((x) => x.includes("harbor-tls"))!;
    expect(() => new X509Certificate(run(c, r.objects))).not.toThrow();
  });

  it("every kubectl get secret … | base64 --decode in the docs is of that form and answers on a render", () => {
    const any = [...allDocs.matchAll(/kubectl get secret[^\n`]*?\| base64 --decode/g)].map((m) => m[0]);
    expect(any.length).toBeGreaterThanOrEqual(2);
    expect(
      any.filter((c) => !commands.includes(c)),
      "secret reads the test cannot run",
    ).toEqual([]);
    for (const c of commands) expect(run(c.replace("cluster-CLUSTER_UID", "cluster-abc123"), r.objects), c).not.toBe("");
  });

  it("the seeds' tls.crt and tls.key reads work too", () => {
    const crt = run('kubectl get secret harbor-tls --namespace harbor --output jsonpath="{.data.tls\\.crt}" | base64 --decode', r.objects);
    expect(crt).toMatch(/BEGIN CERTIFICATE/);
    const key = run('kubectl get secret harbor-tls --namespace harbor --output jsonpath="{.data.tls\\.key}" | base64 --decode', r.objects);
    expect(key).toMatch(/PRIVATE KEY/);
    expect(find(r.objects, "Secret", "harbor-tls")!.metadata.namespace).toBe("harbor");
  });
});

/** The `harbor-edge …` command lines of a doc's shell blocks (comments, `npx` and leading VAR=value dropped), with no placeholder syntax. */
function cliLines(text: string): string[] {
  const blocks = [...text.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1]);
  const lines: string[] = [];
  for (const b of blocks) {
    for (const raw of b.replace(/\\\n\s*/g, " ").split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      for (const part of line.split(/\s*(?:&&|\|\||;|\|)\s*/)) {
        const m = /^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:npx )?(harbor-edge\s.*)$/.exec(part.trim());
        if (m && !/[[\]<>…]|\.\.\./.test(m[1])) lines.push(m[1]);
      }
    }
  }
  return lines;
}

/** argv of a shell line, for the simple quoting the docs use. */
const argvOf = (line: string) => [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]).slice(1);

describe("every harbor-edge command the docs show is one the CLI parses", () => {
  const lines = [...new Set(DOCS.flatMap((f) => cliLines(docText(f))))];
  it("there are some in the README, docs/ and chart/README.md, and the check catches a usage error", async () => {
    expect(lines.length).toBeGreaterThan(5);
    for (const f of ["README.md", "docs/outage.md", "docs/air-gap.md", "chart/README.md"])
      expect(cliLines(docText(f)).length, f).toBeGreaterThan(0);
    const { buildProgram } = await import("../../generator/src/cli.js");
    const program = await buildProgram(["render"]);
    for (const c of program.commands)
      c.exitOverride()
        .configureOutput({ writeOut: () => {}, writeErr: () => {} })
        .action(() => {});
    await expect(program.parseAsync(["render", "--bogus"], { from: "user" })).rejects.toThrow(/unknown option/);
  });
  it.each(lines.map((l) => [l]))("%s", async (line) => {
    const { buildProgram } = await import("../../generator/src/cli.js");
    const args = argvOf(line);
    const program = await buildProgram(args);
    program.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    for (const c of program.commands)
      c.exitOverride()
        .configureOutput({ writeOut: () => {}, writeErr: () => {} })
        .action(() => {});
    await expect(program.parseAsync(args, { from: "user" })).resolves.toBeDefined();
  });
});

describe("the README's helm path", () => {
  it("adds the harbor repository before helm dependency build, and names the offline path into chart/charts/", () => {
    const add = readme.indexOf("helm repo add harbor https://helm.goharbor.io");
    const build = readme.indexOf("helm dependency build chart/");
    expect(add).toBeGreaterThan(0);
    expect(add).toBeLessThan(build);
    expect(readme).toContain("cp harbor-1.19.1.tgz chart/charts/");
  });
});

/** Markdown without its fenced blocks (a `# comment` in a shell block is no heading, a `[x](y)` there no link). */
const prose = (md: string) => md.replace(/^```[\s\S]*?^```/gm, "");

/** GitHub's anchors for the headings of a markdown file (lower case, punctuation dropped, spaces to hyphens, -N for repeats). */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/<[^>]+>/g, "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

describe("every relative link between the docs reaches a file and a heading", () => {
  it("anchors are GitHub's", () => {
    expect([
      ...anchors("# A b\n## Is it ready? (the report and status)\n## `harbor-edge` image\n## A b\n```sh\n# not a heading\n```\n"),
    ]).toEqual(["a-b", "is-it-ready-the-report-and-status", "harbor-edge-image", "a-b-1"]);
  });

  const links = DOCS.flatMap((f) => [...prose(docText(f)).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => [f, m[1]] as [string, string])).filter(
    ([, t]) => !/^[a-z]+:/i.test(t),
  );
  it("there are links from the README into docs/ and between the docs", () => {
    expect(links.filter(([f, t]) => f === "README.md" && t.startsWith("docs/")).length).toBeGreaterThan(5);
    expect(links.filter(([f]) => f.startsWith("docs/")).length).toBeGreaterThan(5);
  });
  it.each(links)("%s -> %s", (from, target) => {
    const [file, anchor] = target.split("#");
    const abs = file ? path.resolve(path.dirname(path.join(ROOT, from)), file) : path.join(ROOT, from);
    expect(fs.existsSync(abs), `${from}: ${file} does not exist`).toBe(true);
    if (anchor !== undefined) {
      expect(abs.endsWith(".md"), `${from}: an anchor into ${file}, which is not markdown`).toBe(true);
      expect([...anchors(fs.readFileSync(abs, "utf8"))], `${from}: no heading #${anchor} in ${file || from}`).toContain(anchor);
    }
  });
});

describe("the README: what it is, the two commands first, install, links", () => {
  const lines = readme.split("\n");
  it("is at most 200 lines", () => expect(lines.length).toBeLessThanOrEqual(200));

  it("its first code block is the two commands for a fresh machine: the main job (npm start) and the tests", () => {
    const first = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(first).toMatch(/^npm ci && npm start\s/m);
    expect(first).toMatch(/^npm test\s/m);
    expect(first).toContain("npm run test:cluster");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.start).toContain("render examples/edge-single-node.yaml");
  });

  it("npm start's render, as a fresh clone with no upstream chart runs it: one NOT RUN line, this chart's own templates, exit 0", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const [node, script, ...args] = (pkg.scripts.start as string).split(" ");
    expect([node, script]).toEqual(["node", "generator/scripts/start.mjs"]);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "npm-start-"));
    const out = path.join(tmp, "out");
    const cache = path.join(tmp, "empty-cache");
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [path.join(ROOT, script), ...args.map((a) => (a === "out" ? out : a))], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env },
      });
    try {
      const bare = run({ HARBOR_EDGE_CHART_CACHE: cache });
      expect(bare.status, bare.stderr).toBe(0);
      const notRun = bare.stderr.split("\n").filter((l) => l.includes("NOT RUN"));
      expect(notRun).toHaveLength(1);
      expect(notRun[0]).toContain(`chart cache ${cache}`);
      expect(bare.stderr).toMatch(/harbor-edge templates only/);
      const manifests = fs.readFileSync(path.join(out, "manifests.yaml"), "utf8");
      expect(manifests).not.toMatch(/goharbor\/harbor-core/);
      // render itself still refuses without the chart: only npm start falls back, and says so
      const render = spawnSync(
        process.execPath,
        [path.join(ROOT, "generator", "bin", "harbor-edge.js"), ...args.map((a) => (a === "out" ? path.join(tmp, "o2") : a))],
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, HARBOR_EDGE_CHART_CACHE: cache } },
      );
      expect(render.status).not.toBe(0);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it(".ci/run runs the README's test commands (npm test, npm run test:cluster)", () => {
    const ci = fs
      .readFileSync(path.join(ROOT, ".ci", "run"), "utf8")
      .split("\n")
      .filter((l) => !l.trim().startsWith("#"))
      .join("\n");
    expect(ci).toMatch(/^npm test\b/m);
    expect(ci).toMatch(/^npm run (--silent )?test:cluster\b/m);
  });

  it("installs by helm, Palette and Terraform, and links every page of docs/", () => {
    for (const h of ["## Install with helm", "## Install with Palette", "## Install with Terraform"]) expect(readme).toContain(h);
    expect(readme).toContain("ghcr.io/OWNER/packs/spectro-packs/archive/harbor-edge-native-config:X.Y.Z");
    for (const f of fs.readdirSync(path.join(ROOT, "docs")).filter((x) => x.endsWith(".md"))) expect(readme, f).toContain(`](docs/${f})`);
  });

  it("no doc calls the bin a POSIX sh wrapper (it is generator/bin/harbor-edge.js)", () => {
    for (const f of [...DOCS, "CHANGELOG.md"]) expect(docText(f), f).not.toMatch(/POSIX sh wrapper|generator\/bin\/harbor-edge(?![.\w])/);
  });
});
