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
