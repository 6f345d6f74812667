// Commands the README and NOTES show, exercised where they can be: the kubectl jsonpath reads of
// registry-info and harbor-tls answer with the password and the certificate.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import { HELMS, render, find, type K8sObject } from "./helpers/chart.js";
import { ROOT } from "../generator/src/paths.js";

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
const commands = readme.match(/kubectl get secret \S+ --namespace \S+ --output jsonpath="[^"]+" \| base64 --decode/g) ?? [];

describe("the README's credential commands", () => {
  const r = render({ helm: HELMS[0], set: ["harbor-config.cluster.uid=CLUSTER_UID".toLowerCase().replace("cluster_uid", "abc123"), "harbor-config.auth.password=Readme-Pass-1"] });

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

  it("the seeds' tls.crt and tls.key reads work too", () => {
    const crt = run('kubectl get secret harbor-tls --namespace harbor --output jsonpath="{.data.tls\\.crt}" | base64 --decode', r.objects);
    expect(crt).toMatch(/BEGIN CERTIFICATE/);
    const key = run('kubectl get secret harbor-tls --namespace harbor --output jsonpath="{.data.tls\\.key}" | base64 --decode', r.objects);
    expect(key).toMatch(/PRIVATE KEY/);
    expect(find(r.objects, "Secret", "harbor-tls")!.metadata.namespace).toBe("harbor");
  });
});

/** The `harbor-edge …` command lines of the README's shell blocks (comments and `npx` dropped), with no placeholder syntax. */
function cliLines(text: string): string[] {
  const blocks = [...text.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1]);
  const lines: string[] = [];
  for (const b of blocks) {
    for (const raw of b.replace(/\\\n\s*/g, " ").split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      for (const part of line.split(/\s*(?:&&|\|\||;|\|)\s*/)) {
        const m = /^(?:npx )?(harbor-edge\s.*)$/.exec(part.trim());
        if (m && !/[[\]<>…]|\.\.\./.test(m[1])) lines.push(m[1]);
      }
    }
  }
  return lines;
}

/** argv of a shell line, for the simple quoting the docs use. */
const argvOf = (line: string) => [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]).slice(1);

describe("every harbor-edge command the README shows is one the CLI parses", () => {
  const lines = cliLines(readme);
  it("there are some, and the check catches a usage error", async () => {
    expect(lines.length).toBeGreaterThan(5);
    const { buildProgram } = await import("../generator/src/cli.js");
    const program = await buildProgram(["render"]);
    for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }).action(() => {});
    await expect(program.parseAsync(["render", "--bogus"], { from: "user" })).rejects.toThrow(/unknown option/);
  });
  it.each(lines.map((l) => [l]))("%s", async (line) => {
    const { buildProgram } = await import("../generator/src/cli.js");
    const args = argvOf(line);
    const program = await buildProgram(args);
    program.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }).action(() => {});
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
