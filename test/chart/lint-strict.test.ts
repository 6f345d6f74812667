// `helm lint --strict` on the chart (warnings fail too), by helm 3.18 and helm 4.1, with the values of every example,
// of a spec with every optional component on, and with the chart's own values.yaml: the full chart with the
// upstream harbor chart from the chart cache (else our own templates only, and the full-chart lint is NOT RUN).
// The lint can fail: a deprecated API (a warning) fails it only under --strict, a broken template always.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { HELMS, UPSTREAM, announceUpstream, specOf, valuesFileFor, valuesFileForRaw, EXAMPLES } from "../helpers/chart.js";
import { prepareChart, runHelm } from "../../generator/src/chart/chart.js";
import type { Helm } from "../../generator/src/chart/find.js";

announceUpstream();

/** Every optional component on: node mirror in its own namespace, node check, NetworkPolicy, registry-info's namespace, the periodic configuration. */
const ALL_ON = {
  cluster: { uid: "6650f2a8c1e34b0f9d7a5e21", vip: "10.10.1.5" },
  networkPolicy: { enabled: true },
  nodeMirror: { enabled: true, namespace: "node-mirror", spectroImages: true, addresses: ["10.10.1.5:30003"] },
  projects: [{ name: "spectro-images", public: true }],
  registryInfo: { createNamespace: true },
  report: { nodeCheck: { enabled: true } },
  configJob: { schedule: "7 3 * * *" },
  proxyCache: {
    extraRegistries: [{ host: "registry.example.com:5000", url: "https://registry.example.com:5000", credentialsSecret: "creds" }],
  },
};

const CASES: Array<[string, () => string[]]> = [
  ...EXAMPLES.map((f): [string, () => string[]] => [path.basename(f), () => [valuesFileFor(specOf(f))]]),
  ["every optional component on", () => [valuesFileForRaw(ALL_ON)]],
  ["the chart's own values.yaml", () => []],
];

function lintStrict(helm: Helm, full: boolean, valuesFiles: string[], change?: (chartDir: string) => void, strict = true) {
  const chart = prepareChart({ ownOnly: !full });
  try {
    if (full && !chart.withUpstream) throw new Error("the upstream chart is not in the chart cache");
    change?.(chart.dir);
    const args = ["lint", ...(strict ? ["--strict"] : []), chart.dir, "--namespace", "harbor"];
    for (const f of valuesFiles) args.push("-f", f);
    const r = runHelm(helm, args);
    return { code: r.code, out: r.stdout + r.stderr };
  } finally {
    chart.cleanup();
  }
}

describe.each(HELMS)("helm $version lint --strict", (helm) => {
  describe.each([
    ["with the upstream harbor chart", true],
    ["our own templates", false],
  ] as const)("%s", (_name, full) => {
    it.skipIf(full && !UPSTREAM).each(CASES)("%s: no error, no warning", (_case, values) => {
      const r = lintStrict(helm, full, values());
      expect(r.out).not.toMatch(/\[(ERROR|WARNING)\]/);
      expect(r.out).toContain("1 chart(s) linted, 0 chart(s) failed");
      expect(r.code).toBe(0);
    });
  });

  it("can fail: a warning fails it under --strict only, a broken template always, naming the file", () => {
    const deprecated = (dir: string) =>
      fs.writeFileSync(
        path.join(dir, "templates", "zz-deprecated.yaml"),
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: x\n",
      );
    const lenient = lintStrict(helm, false, [], deprecated, false);
    expect(lenient.out).toMatch(/\[WARNING\] templates\/zz-deprecated\.yaml: extensions\/v1beta1 Ingress is deprecated/);
    expect(lenient.code).toBe(0);
    const strict = lintStrict(helm, false, [], deprecated);
    expect(strict.out).toMatch(/\[WARNING\] templates\/zz-deprecated\.yaml/);
    expect(strict.code).not.toBe(0);
    const broken = lintStrict(helm, false, [], (dir) => fs.writeFileSync(path.join(dir, "templates", "zz-broken.yaml"), "{{ if }}\n"));
    expect(broken.out).toMatch(/\[ERROR\] templates\/: parse error at \(harbor-edge-native-config\/templates\/zz-broken\.yaml:1\)/);
    expect(broken.code).not.toBe(0);
  });
});
