// contracts/: the upstream chart facts are what npm run contracts computes from the chart in the cache (drift),
// the computation follows local variables and `with` blocks, and every file has its provenance in the README.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import {
  CONTRACTS_DIR,
  UPSTREAM_FACTS_DIR,
  flattenValues,
  templateRefs,
  untgz,
  upstreamFactFiles,
  upstreamFacts,
} from "../../generator/scripts/upstream-chart.js";
import { UPSTREAM, announceUpstream } from "../helpers/chart.js";

announceUpstream();

describe("contracts/ upstream chart facts", () => {
  it.skipIf(!UPSTREAM)("match the chart archive in the cache (else: run npm run contracts)", () => {
    const want = upstreamFactFiles(upstreamFacts(fs.readFileSync(UPSTREAM!)));
    for (const [name, text] of Object.entries(want)) {
      expect(fs.readFileSync(path.join(UPSTREAM_FACTS_DIR, name), "utf8") === text, `${name} drifted: run npm run contracts`).toBe(true);
    }
  });

  it("the committed template refs include keys read through local variables and with blocks", () => {
    const refs = JSON.parse(fs.readFileSync(path.join(UPSTREAM_FACTS_DIR, "template-refs.json"), "utf8")) as string[];
    expect(refs).toEqual(
      expect.arrayContaining([
        "persistence.imageChartStorage.s3.regionendpoint",
        "persistence.imageChartStorage.s3.secure",
        "redis.external.addr",
        "expose.nodePort.ports.https.nodePort",
      ]),
    );
  });

  it("every file under contracts/ has its source and licence in contracts/README.md", () => {
    const readme = fs.readFileSync(path.join(CONTRACTS_DIR, "README.md"), "utf8");
    const files = fs
      .readdirSync(CONTRACTS_DIR, { recursive: true })
      .map(String)
      .filter((f) => f !== "README.md" && fs.statSync(path.join(CONTRACTS_DIR, f)).isFile());
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${f}\``));
      expect(row, `${f} has no row in contracts/README.md`).toBeDefined();
      expect(row!.split("|").filter((c) => c.trim()).length, `${f}: what, source and licence`).toBe(4);
    }
  });
});

describe("template reference extraction", () => {
  const refs = (text: string) => templateRefs({ "t.yaml": text });

  it("reads .Values and $.Values paths, not strings, comments or other objects", () => {
    expect(
      refs(
        '{{ .Values.a.b }} {{ $.Values.c }} {{/* .Values.comment */}} {{ printf ".Values.str" }} {{ .Release.Name }} {{ .Chart.Version }}',
      ),
    ).toEqual(["a.b", "c"]);
  });

  it("follows local variables assigned from a values path, and chains of them", () => {
    const t =
      '{{- $storage := .Values.persistence.imageChartStorage }}{{- $type := $storage.type }}\n{{ $storage.s3.regionendpoint }} {{ if eq $type "s3" }}{{ $storage.s3.secure }}{{ end }}';
    expect(refs(t)).toEqual([
      "persistence.imageChartStorage",
      "persistence.imageChartStorage.s3.regionendpoint",
      "persistence.imageChartStorage.s3.secure",
      "persistence.imageChartStorage.type",
    ]);
  });

  it("a variable assigned from a function call is not a values path", () => {
    expect(
      refs('{{- $x := default "h" .Values.nameOverride }}{{ $x.foo }}{{- $s := lookup "v1" "Secret" "ns" "n" }}{{ $s.data.key }}'),
    ).toEqual(["nameOverride"]);
  });

  it("follows the dot of with blocks, and not of range blocks", () => {
    const t =
      "{{- with .Values.redis }}{{ .external.addr }}{{ if .tls }}{{ .internal.x }}{{ end }}{{ end }}{{ .Values.after }}{{- range .Values.list }}{{ .name }}{{ $.Values.root }}{{ end }}";
    expect(refs(t)).toEqual(["after", "list", "redis", "redis.external.addr", "redis.internal.x", "redis.tls", "root"]);
  });

  it("range variables are elements, not paths; define resets the dot to the root", () => {
    const t =
      '{{- range $k, $v := .Values.annotations }}{{ $v.inner }}{{ end }}{{- define "x" }}{{ .Values.inDefine }}{{ .notValues }}{{ end }}';
    expect(refs(t)).toEqual(["annotations", "inDefine"]);
  });

  it("flattens values: objects listed and recursed, arrays and scalars as leaves with defaults", () => {
    expect(flattenValues({ a: { b: 1, c: [1], d: null, e: {} }, f: "x", g: true })).toEqual({
      a: { type: "object" },
      "a.b": { type: "number", default: 1 },
      "a.c": { type: "array" },
      "a.d": { type: "null", default: null },
      "a.e": { type: "object" },
      f: { type: "string", default: "x" },
      g: { type: "boolean", default: true },
    });
  });

  it("reads the files of a .tgz", () => {
    const header = (name: string, size: number) => {
      const h = Buffer.alloc(512);
      h.write(name, 0);
      h.write(size.toString(8).padStart(11, "0"), 124);
      h.write("0", 156);
      // a real tar's header checksum (node-tar, which untgz uses, refuses a header without one)
      h.write("        ", 148);
      h.write(
        `${h
          .reduce((s, x) => s + x, 0)
          .toString(8)
          .padStart(6, "0")}\0 `,
        148,
      );
      return h;
    };
    const body = Buffer.from("a: 1\n");
    const tar = Buffer.concat([header("harbor/values.yaml", body.length), body, Buffer.alloc(512 - body.length), Buffer.alloc(1024)]);
    expect(untgz(zlib.gzipSync(tar)).get("harbor/values.yaml")?.toString()).toBe("a: 1\n");
  });
});
