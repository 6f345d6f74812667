// The Palette pack keeps the node-mirror DaemonSet off: Palette's node agent redirects pulls to Harbor itself.
import { it, expect } from "vitest";
import yaml from "js-yaml";
import { packValues, packValuesYaml, PACK_NAME } from "../../generator/src/pack/files.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import type { Spec } from "../../generator/src/spec/types.js";

it("a spec with nodeMirror.enabled gives pack values with it false, the rest of nodeMirror kept", () => {
  const r = validateSpec({
    cluster: { vip: "10.0.0.1" },
    proxyCache: { enabled: true },
    nodeMirror: { enabled: true, spectroImages: true, distribution: "k3s" },
  });
  expect(r.errors).toEqual([]);
  const spec = r.spec as Spec;
  expect(spec.nodeMirror.enabled).toBe(true);
  const values = yaml.load(packValuesYaml(spec, ["a:1"])) as any;
  const nm = values.charts[PACK_NAME]["harbor-config"].nodeMirror;
  expect(nm).toMatchObject({ enabled: false, spectroImages: true, distribution: "k3s" });
  expect((packValues(spec, []) as any).charts[PACK_NAME]["harbor-config"].proxyCache.enabled).toBe(true);
  // the caller's spec is not changed
  expect(spec.nodeMirror.enabled).toBe(true);
});
