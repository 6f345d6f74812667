// containerd's host files as the check reads them: exact parses of a table of files (our chart's own rendered
// hosts.toml among them), the directory lookup and the refusals.
import { describe, it, expect, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseHostsToml, registryHosts, hostDirCandidates, HostsTomlError, type HostEntry } from "../../generator/src/nodecheck/hosts.js";
import { renderNodeMirror } from "../../generator/src/nodeconfig/render.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import type { Spec } from "../../generator/src/spec/types.js";

const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-nodecheck-hosts-"));
afterAll(() => fs.rmSync(T, { recursive: true, force: true }));

const all = { pull: true, resolve: true, push: true };
const pr = { pull: true, resolve: true, push: false };
const h = (url: string, scheme: string, host: string, p: string, more: Partial<HostEntry> = {}): HostEntry => ({
  url,
  scheme,
  host,
  path: p,
  capabilities: all,
  ca: [],
  client: [],
  header: {},
  server: false,
  ...more,
});
const short = (hs: HostEntry[]) => hs.map((x) => [x.server ? "server" : "host", `${x.scheme}://${x.host}${x.path}`]);

describe("parseHostsToml", () => {
  const cases: Array<[string, string, HostEntry[]]> = [
    [
      "our chart's shape: server, then two hosts with override_path and an absolute ca",
      `# Managed by harbor-edge-native-config\nserver = "https://registry-1.docker.io"\n\n[host."https://10.0.0.5:30003/v2/spectro-images/docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "/etc/containerd/certs.d/docker.io/harbor-ca.crt"\n\n[host."https://10.0.0.5:30003/v2/docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "/etc/containerd/certs.d/docker.io/harbor-ca.crt"\n`,
      [
        h("https://10.0.0.5:30003/v2/spectro-images/docker.io", "https", "10.0.0.5:30003", "/v2/spectro-images/docker.io", {
          capabilities: pr,
          ca: ["/etc/containerd/certs.d/docker.io/harbor-ca.crt"],
        }),
        h("https://10.0.0.5:30003/v2/docker.io", "https", "10.0.0.5:30003", "/v2/docker.io", {
          capabilities: pr,
          ca: ["/etc/containerd/certs.d/docker.io/harbor-ca.crt"],
        }),
        h("https://registry-1.docker.io", "https", "registry-1.docker.io", "/v2", { server: true }),
      ],
    ],
    [
      "no server: the registry itself last (docker.io: registry-1.docker.io); /v2 appended without override_path",
      `[host."https://mirror.example/registry"]\n  dial_timeout = "1m1.5s"\n[host."mirror2.example:5000"]\n  capabilities = ["pull"]\n`,
      [
        h("https://mirror.example/registry", "https", "mirror.example", "/registry/v2", { dialTimeoutMs: 61_500 }),
        h("mirror2.example:5000", "https", "mirror2.example:5000", "/v2", { capabilities: { pull: true, resolve: false, push: false } }),
        h("https://registry-1.docker.io", "https", "registry-1.docker.io", "/v2", { server: true }),
      ],
    ],
    [
      "file order, not alphabetical; a path already ending in /v2 kept; relative ca (string and array) joined to the directory; literal strings; skip_verify; header table",
      `server = 'http://upstream.test:5000'\n[host."https://z.example/v2"]\n  ca = ["a.pem", "/abs/b.pem"]\n  skip_verify = true\n  [host."https://z.example/v2".header]\n    x-custom = "1"\n[host."https://a.example"]\n  ca = 'c.pem'  # a comment\n  header = { "X-Two" = ["a", "b"] }\n`,
      [
        h("https://z.example/v2", "https", "z.example", "/v2", {
          ca: ["/base/a.pem", "/abs/b.pem"],
          skipVerify: true,
          header: { "x-custom": ["1"] },
        }),
        h("https://a.example", "https", "a.example", "/v2", { ca: ["/base/c.pem"], header: { "X-Two": ["a", "b"] } }),
        h("http://upstream.test:5000", "http", "upstream.test:5000", "/v2", { server: true }),
      ],
    ],
    [
      "override_path with no path: the API root is /; multi-line arrays; CRLF; top-level keys apply to the server",
      `server = "https://up.example"\r\ncapabilities = [\r\n  "pull", # pull only\r\n  "resolve",\r\n]\r\n[host."https://m.example"]\r\n  override_path = true\r\n`,
      [
        h("https://m.example", "https", "m.example", "/"),
        h("https://up.example", "https", "up.example", "/v2", { server: true, capabilities: pr }),
      ],
    ],
    [
      "header: a table with a string and an array, header.X dotted keys, an inline table, names as written; the server's own header",
      `[host."https://a.example"]
  [host."https://a.example".header]
    authorization = "Basic dTpw"
    X-Multi = ["1", "2"]
[host."https://b.example"]
  header.x-one = 'lit'
  header.X-Empty = []
[host."https://c.example"]
  header = { Authorization = "Bearer t", "X-Q" = "a=b; c" }
`,
      [
        h("https://a.example", "https", "a.example", "/v2", { header: { authorization: ["Basic dTpw"], "X-Multi": ["1", "2"] } }),
        h("https://b.example", "https", "b.example", "/v2", { header: { "x-one": ["lit"], "X-Empty": [] } }),
        h("https://c.example", "https", "c.example", "/v2", { header: { Authorization: ["Bearer t"], "X-Q": ["a=b; c"] } }),
        h("https://registry-1.docker.io", "https", "registry-1.docker.io", "/v2", { server: true }),
      ],
    ],
  ];
  it.each(cases)("%s", (_name, text, want) => {
    expect(parseHostsToml(text, "/base", "docker.io")).toEqual(want);
  });

  it("the chart's own rendered hosts.toml (templates/_node-mirror.tpl through helm) parses to its hosts in order", () => {
    const r = validateSpec({
      registryInfo: { enabled: false },
      proxyCache: {
        enabled: true,
        registries: ["docker.io"],
        extraRegistries: [{ host: "registry.lan:5000", url: "http://registry.lan:5000" }],
      },
      nodeMirror: { enabled: true, spectroImages: true, addresses: ["10.0.0.5:30003", "[fd00::5]:30003"] },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const cm = renderNodeMirror(r.spec as Spec)!;
    const docker = parseHostsToml(cm.data["docker.io.hosts.toml"], "/etc/containerd/certs.d/docker.io", "docker.io");
    expect(short(docker)).toEqual([
      ["host", "https://10.0.0.5:30003/v2/spectro-images/docker.io"],
      ["host", "https://[fd00::5]:30003/v2/spectro-images/docker.io"],
      ["host", "https://10.0.0.5:30003/v2/docker.io"],
      ["host", "https://[fd00::5]:30003/v2/docker.io"],
      ["server", "https://registry-1.docker.io/v2"],
    ]);
    expect(
      docker
        .slice(0, 4)
        .every(
          (x) =>
            x.capabilities.resolve &&
            x.capabilities.pull &&
            !x.capabilities.push &&
            x.ca.length === 1 &&
            x.ca[0].endsWith("/docker.io/harbor-ca.crt"),
        ),
    ).toBe(true);
    const lan = parseHostsToml(cm.data["registry.lan_5000.hosts.toml"], "/x", "registry.lan:5000");
    expect(lan.at(-1)).toMatchObject({ server: true, host: "registry.lan:5000", scheme: "http", path: "/v2" });
    expect(lan.filter((x) => !x.server).map((x) => x.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/v2\/registry\.lan-5000$/)]),
    );
  });

  const refused: Array<[string, string, RegExp, boolean]> = [
    ["no [host] table (containerd 1.6 cannot decode it)", `server = "https://x"\n`, /no \[host/, false],
    ["an unknown key", `[host."https://x"]\n  capabilites = ["pull"]\n`, /unknown key capabilites/, true],
    ["an unknown capability", `[host."https://x"]\n  capabilities = ["fetch"]\n`, /unknown capability fetch/, false],
    ["an unknown table", `[mirror]\nurl = "x"\n`, /unknown table \[mirror\]/, true],
    ["an unterminated string", `[host."https://x]\n`, /unterminated string/, false],
    ["a duplicate key", `[host."https://x"]\n  ca = "a"\n  ca = "b"\n`, /duplicate key ca/, false],
    ["a table twice", `[host."https://x"]\n[host."https://x"]\n`, /defined twice/, false],
    ["a number", `[host."https://x"]\n  skip_verify = 1\n`, /numbers/, true],
    [
      "a dial_timeout that is not a duration",
      `[host."https://x"]\n  dial_timeout = "5 seconds"\n`,
      /dial_timeout: "5 seconds" is not a duration/,
      false,
    ],
    ["skip_verify not a boolean", `[host."https://x"]\n  skip_verify = "yes"\n`, /skip_verify: expected true or false/, false],
    ["a multi-line string", `server = """x"""\n`, /multi-line/, true],
    ["an array of tables", `[[host]]\n`, /arrays of tables/, true],
    ["two values on a line", `[host."https://x"] ca = "a"\n`, /end of the line/, false],
    ["a header with a newline", `[host."https://x"]\n  header = { "X" = "a\\nb" }\n`, /header\.X: a value with CR, LF or NUL/, true],
    [
      "a header with a carriage return (in a header table)",
      `[host."https://x".header]\n  authorization = "Basic a\\rX-Injected: 1"\n`,
      /header\.authorization: a value with CR, LF or NUL/,
      true,
    ],
    [
      "a header name that is not a token",
      `[host."https://x"]\n  header = { "X Y" = "v" }\n`,
      /header: header 1's name is not an HTTP token \(not shown: it may hold a credential\)/,
      true,
    ],
    [
      "a header that is neither a string nor an array of strings",
      `[host."https://x".header]\n  x-a = true\n`,
      /header\.x-a: expected a string or an array of strings/,
      false,
    ],
    [
      "more than 32 headers",
      `[host."https://x".header]\n${Array.from({ length: 33 }, (_, i) => `  x-${i} = "v"\n`).join("")}`,
      /more than 32 headers/,
      true,
    ],
    [
      "more than 16 KiB of header values",
      `[host."https://x".header]\n  x-a = "${"v".repeat(9000)}"\n  x-b = "${"v".repeat(9000)}"\n`,
      /more than 16384 bytes of headers/,
      true,
    ],
    ["not http(s)", `[host."http+unix://x"]\n`, /only http and https/, false],
  ];
  /** the error parseHostsToml throws for text (it must throw one) */
  const refusal = (text: string): HostsTomlError => {
    let e: unknown;
    try {
      parseHostsToml(text, "/b", "r.test");
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(HostsTomlError);
    return e as HostsTomlError;
  };

  it.each(refused)("refuses %s, naming it", (_name, text, msg, unsupported) => {
    const e = refusal(text);
    expect(e.message).toMatch(msg);
    expect(e.unsupported).toBe(unsupported);
  });

  it("never quotes the text of a header line in a message (the value is a secret)", () => {
    const secret = "Basic c2VjcmV0LXRva2VuLXZhbHVl";
    for (const text of [
      `[host."https://x".header]\n  authorization = ${secret}\n`,
      `[host."https://x".header]\n  authorization = "${secret}" trailing\n`,
      `[host."https://x"]\n  header = { authorization = ${secret} }\n`,
      `[host."https://x"]\n  header.authorization = "${secret}" "again"\n`,
      // a bare value on a line of its own
      `[host."https://x".header]\n  ${secret}\n`,
    ]) {
      const e = refusal(text);
      expect(e.message).toMatch(/\((the text of a header line|the line) is not shown\)/);
      expect(e.message).not.toMatch(/c2VjcmV0|Basic|trailing|again/);
    }
    // nor a name that is not an HTTP token: "Authorization: Basic ..." written as the name
    for (const text of [
      `[host."https://x".header]\n  "Authorization: ${secret}" = ""\n`,
      `[host."https://x"]\n  header = { "Authorization: ${secret}" = "x" }\n`,
    ]) {
      const e = refusal(text);
      expect(e.message).toMatch(/name is not an HTTP token \(not shown/);
      expect(e.message).not.toMatch(/c2VjcmV0|Basic/);
    }
    // elsewhere the text is quoted, as before
    expect(() => parseHostsToml(`[host."https://x"]\n  ca = nope\n`, "/b", "r.test")).toThrow(/expected a value, found "nope/);
  });

  it("refuses a file over 64 KiB", () => {
    expect(() => parseHostsToml(`# ${"x".repeat(70_000)}\n[host."https://x"]\n`, "/b", "r")).toThrow(/larger than 65536/);
  });
});

describe("registryHosts: containerd's directory lookup", () => {
  it("candidates: <host>_<port>_, <host>:<port>, _default; without a port H and _default", () => {
    expect(hostDirCandidates("/d", "r.test:5000")).toEqual(["/d/r.test_5000_", "/d/r.test:5000", "/d/_default"]);
    expect(hostDirCandidates("/d", "docker.io")).toEqual(["/d/docker.io", "/d/_default"]);
  });

  it("the first directory that exists is read, even with no hosts.toml in it (then: the registry alone)", () => {
    const d = path.join(T, "lookup");
    fs.mkdirSync(path.join(d, "r.test:5000"), { recursive: true });
    fs.mkdirSync(path.join(d, "_default"), { recursive: true });
    fs.writeFileSync(path.join(d, "_default", "hosts.toml"), `[host."https://h"]\n`);
    fs.writeFileSync(path.join(d, "r.test:5000", "hosts.toml"), `[host."https://colon"]\n`);
    expect(short(registryHosts(d, "r.test:5000").hosts)).toEqual([
      ["host", "https://colon/v2"],
      ["server", "https://r.test:5000/v2"],
    ]);
    expect(short(registryHosts(d, "other.test").hosts)).toEqual([
      ["host", "https://h/v2"],
      ["server", "https://other.test/v2"],
    ]);
    fs.mkdirSync(path.join(d, "r.test_5000_"));
    const r = registryHosts(d, "r.test:5000");
    expect(r).toMatchObject({ dir: path.join(d, "r.test_5000_"), why: expect.stringContaining("has no hosts.toml") });
    expect(short(r.hosts)).toEqual([["server", "https://r.test:5000/v2"]]);
  });

  it("a file outside the subset is reported as such (the check cannot say what containerd does)", () => {
    const d = path.join(T, "unsupported", "r.test");
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "hosts.toml"), `[host."https://h"]\n  dial_timout = "5s"\n`);
    expect(registryHosts(path.dirname(d), "r.test")).toMatchObject({
      hosts: [],
      unsupported: expect.stringContaining("unknown key dial_timout"),
    });
  });
});
