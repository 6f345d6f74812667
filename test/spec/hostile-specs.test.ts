// Hostile specs, made here: YAML aliases (billion laughs, cycles, deep nesting), a value of every wrong type in
// every field of the schema, control characters, names that are paths, node paths outside containerd's. Each gets
// a clear error naming the field, within a stated time (validate: 1 s each), and `validate` writes nothing.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseSpecText } from "../../generator/src/spec/load.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { loadSpecSchema } from "../../generator/src/spec/schema.js";
import { formatProblem } from "../../generator/src/spec/problems.js";
import { expansionProblem } from "../../generator/src/io/yaml-bounded.js";
import { cli } from "../helpers/cli.js";
import { HELMS, render, valuesFileForRaw, tmpFile } from "../helpers/chart.js";
import yaml from "js-yaml";

/** Validate's bound for one hostile spec, parse and validation together. */
const BOUND_MS = 1000;

/** A billion-laughs spec: `levels` anchors, each a list of `width` aliases of the one before, used in harbor-config. */
export function laughs(levels: number, width: number, where = "projects"): string {
  const lines = [`l0: &l0 ["lol"]`];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(width)
        .fill(`*l${i - 1}`)
        .join(",")}]`,
    );
  return `${lines.join("\n")}\nharbor-config:\n  ${where}: *l${levels}\n`;
}

function timed<T>(f: () => T): { ms: number; value?: T; error?: Error } {
  const t0 = performance.now();
  try {
    const value = f();
    return { ms: performance.now() - t0, value };
  } catch (e) {
    return { ms: performance.now() - t0, error: e as Error };
  }
}

describe("YAML aliases are bounded", () => {
  const hostile: Array<[string, string, RegExp]> = [
    [
      "billion laughs (9 levels of 9)",
      laughs(9, 9),
      /s\.yaml: at .*YAML aliases that expand the document to more than 10\^15|s\.yaml: at .*YAML aliases that expand the document to \d+ values \(at most 20000\)/,
    ],
    ["the 394-byte classic (10 x 10)", laughs(9, 10).slice(0, 2000), /YAML aliases that expand the document/],
    [
      "a wide single level (one alias 30 000 times)",
      `a: &a [1,2,3]\nharbor-config:\n  projects: [${Array(30000).fill("*a").join(",")}]\n`,
      /YAML aliases that expand the document/,
    ],
    [
      "a cycle in harbor-config",
      "harbor-config: &a\n  projects: [*a]\n",
      /s\.yaml: at harbor-config\.projects\[0\]: a YAML alias that refers to the value it stands in \(a cycle\)/,
    ],
    ["a cycle through a mapping", "harbor-config:\n  auth: &a {certs: *a}\n", /at harbor-config\.auth\.certs: .*cycle/],
    ["deep nesting", `harbor-config: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, /s\.yaml is not valid YAML or JSON|nested/],
    ["deep nesting within js-yaml's limit", `harbor-config: ${"[".repeat(90)}${"]".repeat(90)}\n`, /nested more than 64 deep/],
  ];
  for (const [name, text, message] of hostile) {
    it(`${name}: refused with a message naming the place, within ${BOUND_MS} ms`, () => {
      const r = timed(() => validateSpec(parseSpecText(text, "s.yaml").raw));
      expect(r.error?.name).toBe("SpecInputError");
      expect(r.error?.message).toMatch(message);
      expect(r.ms).toBeLessThan(BOUND_MS);
    });
  }

  it("aliases that expand a little are fine (an anchor reused for two proxy caches' settings)", () => {
    const text =
      "x: &creds\n  type: docker-registry\nharbor-config:\n  proxyCache:\n    enabled: true\n    extraRegistries:\n      - {<<: *creds, host: a.example.com, url: https://a.example.com}\n      - {<<: *creds, host: b.example.com, url: https://b.example.com}\n";
    expect(() => parseSpecText(text, "s.yaml")).toThrow(/unknown top-level key "x"/); // the alias passed; the key is the spec's problem
    const ok = parseSpecText("harbor-config:\n  projects: &p\n    - {name: a}\n  report: {enabled: true}\n", "s.yaml");
    expect(validateSpec(ok.raw).errors).toEqual([]);
  });

  it("expansionProblem counts shared values once per use in linear time (2^60 values, 60 anchors)", () => {
    let v: unknown = ["x"];
    for (let i = 0; i < 60; i++) v = [v, v];
    const r = timed(() => expansionProblem({ a: v }));
    expect(r.value?.why).toMatch(/more than 10\^15 values/);
    expect(r.ms).toBeLessThan(100);
    expect(expansionProblem({ a: [1, 2, { b: "c" }] })).toBeUndefined();
  });

  it("harbor-edge validate refuses billion laughs in under a second (the CLI, start-up included) and writes nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec-hostile-"));
    const file = path.join(dir, "laughs.yaml");
    fs.writeFileSync(file, laughs(9, 9));
    const t0 = performance.now();
    const r = cli(["validate", file]);
    const ms = performance.now() - t0;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/laughs\.yaml: at .*YAML aliases that expand/);
    expect(ms).toBeLessThan(BOUND_MS + 2000); // node's start-up on a loaded machine; the refusal itself is bounded above
    expect(fs.readdirSync(dir)).toEqual(["laughs.yaml"]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** Every leaf of the schema: [JSON pointer of the field, its schema]. */
function leaves(schema: any, pointer = ""): Array<[string, any]> {
  if (schema.type === "object" && schema.properties)
    return Object.entries(schema.properties).flatMap(([k, s]) => leaves(s, `${pointer}/${k}`));
  // a list: the list itself, and (as item 0 of a list of one) each of its items' fields
  if (schema.type === "array" && schema.items && !schema.items.enum) return [[pointer, schema], ...leaves(schema.items, `${pointer}/0`)];
  return [[pointer, schema]];
}

const dotted = (pointer: string) => `harbor-config${pointer.replace(/\/(\d+)/g, "[$1]").replace(/\//g, ".")}`;
/** A value of each JSON type. */
const SAMPLES: Record<string, unknown> = { string: "x", integer: 5, number: 2.5, boolean: true, array: [1], object: { k: 1 }, null: null };
const typesOf = (s: any): string[] =>
  s.anyOf ? s.anyOf.flatMap(typesOf) : s.$ref ? ["integer", "string"] : [s.type].flat().filter(Boolean);

/** A spec with `value` at `pointer` and nothing else. */
function specWith(pointer: string, value: unknown): Record<string, unknown> {
  const segs = pointer.split("/").slice(1);
  const root: any = {};
  let cur = root;
  segs.forEach((s, i) => (cur = cur[s] = i === segs.length - 1 ? value : /^\d+$/.test(segs[i + 1]) ? [] : {}));
  return root;
}

describe("wrong types in every field: the schema's error names the field, and no rule crashes", () => {
  const fields = leaves(loadSpecSchema());
  it("the generator covers the schema (more than 80 fields)", () => expect(fields.length).toBeGreaterThan(90));
  for (const [pointer, schema] of fields) {
    const allowed = typesOf(schema);
    const wrong = Object.keys(SAMPLES).filter((t) => !allowed.includes(t) && !(t === "integer" && allowed.includes("number")));
    it(`${dotted(pointer)}: ${wrong.join(", ")}`, () => {
      const t0 = performance.now();
      for (const t of wrong) {
        for (const extra of [
          {},
          { nodeMirror: { enabled: true }, proxyCache: { enabled: true }, auth: { certs: { extraSANs: ["a.example.com"] } } },
        ]) {
          const raw = { ...extra, ...specWith(pointer, SAMPLES[t]) };
          let r: ReturnType<typeof validateSpec> | undefined;
          expect(() => (r = validateSpec(raw)), `${t} at ${pointer}`).not.toThrow();
          const paths = r!.errors.map((e) => e.path);
          expect(
            paths.some((p) => p === dotted(pointer) || p.startsWith(`${dotted(pointer)}[`)),
            `${t} at ${pointer}: ${r!.errors.map(formatProblem).join("; ")}`,
          ).toBe(true);
        }
      }
      expect(performance.now() - t0).toBeLessThan(BOUND_MS);
    });
  }

  it("cluster: {hostname: 5} is one problem, on the field (it was d.toLowerCase is not a function)", () => {
    const r = validateSpec({ cluster: { hostname: 5 } });
    expect(r.errors.map(formatProblem)).toEqual(["error: harbor-config.cluster.hostname: expected a string; given 5 (integer)"]);
  });
  it("a list item of the wrong type is refused without a rule's second word on the list", () => {
    const r = validateSpec({ nodeMirror: { enabled: true, addresses: [5] }, proxyCache: { enabled: true } });
    expect(r.errors.map((e) => e.path)).toEqual(["harbor-config.nodeMirror.addresses[0]"]);
  });
});

describe("names, passwords and node paths", () => {
  const refused: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      "a Secret name that is a path",
      { proxyCache: { extraRegistries: [{ host: "a.example.com", url: "https://a.example.com", credentialsSecret: "../../x" }] } },
      "harbor-config.proxyCache.extraRegistries[0].credentialsSecret",
      /a Kubernetes object name/,
    ],
    [
      "auth.existingSecret with a slash",
      { auth: { existingSecret: "ns/admin" } },
      "harbor-config.auth.existingSecret",
      /a Kubernetes object name/,
    ],
    [
      "auth.existingSecret in upper case",
      { auth: { existingSecret: "Admin" } },
      "harbor-config.auth.existingSecret",
      /a Kubernetes object name/,
    ],
    ["a project name with a slash", { projects: [{ name: "a/b" }] }, "harbor-config.projects[0].name", /a Harbor project name/],
    [
      "an escape sequence in the password",
      { auth: { password: "Abcdefg1\u001b]0;x\u0007" } },
      "harbor-config.auth.password",
      /no control characters/,
    ],
    ["a newline in the password", { auth: { password: "Abcdefg1\nX" } }, "harbor-config.auth.password", /no control characters/],
    ["DEL in the password", { auth: { password: "Abcdefg1\u007f" } }, "harbor-config.auth.password", /no control characters/],
    [
      "a newline in the database user",
      { database: { type: "external", external: { host: "db", username: "u\nx", existingSecret: "db" } } },
      "harbor-config.database.external.username",
      /control characters/,
    ],
    [
      "a carriage return in the database host",
      { database: { type: "external", external: { host: "db\r", existingSecret: "db" } } },
      "harbor-config.database.external.host",
      /control characters/,
    ],
    [
      "an escape in the S3 region",
      { storage: { backend: { type: "s3", s3: { bucket: "abc", region: "us\u001b[31m" } } } },
      "harbor-config.storage.backend.s3.region",
      /an S3 region/,
    ],
    [
      "a tab in the Sentinel master set",
      { redis: { type: "external", external: { addr: "r:26379", sentinelMasterSet: "m\tx" } } },
      "harbor-config.redis.external.sentinelMasterSet",
      /control characters/,
    ],
    [
      "nodeMirror.hostDir: /etc",
      { nodeMirror: { hostDir: "/etc" } },
      "harbor-config.nodeMirror.hostDir",
      /a certs\.d directory under \/etc\/containerd/,
    ],
    [
      "nodeMirror.hostDir climbing out",
      { nodeMirror: { hostDir: "/etc/containerd/../../root/certs.d" } },
      "harbor-config.nodeMirror.hostDir",
      /certs\.d directory/,
    ],
    [
      "nodeMirror.hostDir not a certs.d",
      { nodeMirror: { hostDir: "/etc/containerd" } },
      "harbor-config.nodeMirror.hostDir",
      /certs\.d directory/,
    ],
    [
      "nodeMirror.containerdConfig: /config.toml",
      { nodeMirror: { containerdConfig: "/config.toml" } },
      "harbor-config.nodeMirror.containerdConfig",
      /a config\.toml under/,
    ],
    [
      "nodeMirror.containerdConfig: /etc/shadow",
      { nodeMirror: { containerdConfig: "/etc/shadow" } },
      "harbor-config.nodeMirror.containerdConfig",
      /a config\.toml under/,
    ],
  ];
  for (const [name, raw, field, expected] of refused) {
    it(`refused: ${name}`, () => {
      const r = validateSpec(raw);
      const p = r.errors.find((e) => e.path === field);
      expect(p, r.errors.map(formatProblem).join("\n")).toBeDefined();
      expect(p!.expected).toMatch(expected);
      if (field.endsWith("password")) expect(p!.given).toBe("(a value, not shown)");
      for (const e of r.errors) expect(formatProblem(e)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    });
  }
  const accepted: Array<[string, Record<string, unknown>]> = [
    ["the containerd defaults", { nodeMirror: { hostDir: "/etc/containerd/certs.d", containerdConfig: "/etc/containerd/config.toml" } }],
    [
      "k3s's",
      {
        nodeMirror: {
          distribution: "k3s",
          hostDir: "/var/lib/rancher/k3s/agent/etc/containerd/certs.d/",
          containerdConfig: "/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
        },
      },
    ],
    ["rke2's", { nodeMirror: { distribution: "rke2", hostDir: "/var/lib/rancher/rke2/agent/etc/containerd/certs.d" } }],
    ["a password with punctuation and non-ASCII letters", { auth: { password: "Ab1!é ü~\"'%$" } }],
    ["a Secret name with dots", { auth: { existingSecret: "harbor.admin-1" } }],
  ];
  for (const [name, raw] of accepted) it(`accepted: ${name}`, () => expect(validateSpec(raw).errors.map(formatProblem)).toEqual([]));
});

describe.skipIf(HELMS.length === 0)("the chart refuses node paths outside containerd's too", () => {
  const helm = HELMS[0];
  const valid = valuesFileForRaw({
    nodeMirror: { enabled: true, addresses: ["10.0.0.5:30003"] },
    proxyCache: { enabled: true },
    auth: { certs: { extraSANs: ["10.0.0.5"] } },
  });
  for (const [key, value] of [
    ["hostDir", "/etc"],
    ["containerdConfig", "/config.toml"],
    ["hostDir", "/etc/containerd/../../etc/certs.d"],
  ]) {
    for (const skip of [false, true]) {
      it(`helm template with nodeMirror.${key}: ${value} fails naming the field${skip ? " (values schema skipped: the template's own check)" : ""}`, () => {
        const r = render({
          helm,
          valuesFiles: [valid, tmpFile("bad.yaml", yaml.dump({ "harbor-config": { nodeMirror: { [key]: value } } }))],
          extraArgs: skip ? ["--skip-schema-validation"] : [],
        });
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(
          skip
            ? new RegExp(`harbor-config.nodeMirror.${key}: expected a (certs.d directory|config.toml) under /etc/containerd`)
            : new RegExp(`nodeMirror.*${key}|${key}`),
        );
        expect(r.objects).toEqual([]);
      });
    }
  }
  it("and renders the defaults", () => {
    const r = render({ helm, valuesFiles: [valid] });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
