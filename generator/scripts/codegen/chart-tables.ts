// chart/files/*.json: the tables the chart must know that TypeScript also knows, written once in TypeScript. The
// templates read them with .Files.Get "files/<table>.json" | fromJson; nothing in them is written by hand. JSON
// has no comments, so each file says it is generated in its "//" key (test/project/generated.test.ts checks it). Pure.
import { NAMES } from "../../src/common/names.js";
import { BUILTIN_PROXY, DEFAULT_PROXY_TYPE } from "../../src/spec/registries.js";
import { GUARD_PAIRS, S3_ENV } from "../../src/values/derive.js";
import { GENERATED_NOTICE } from "../../src/common/banner.js";

/** The key of the notice in every generated JSON table. */
export const NOTICE_KEY = "//";

function table(source: string, body: Record<string, unknown>): string {
  return `${JSON.stringify({ [NOTICE_KEY]: `${GENERATED_NOTICE}; source: ${source}`, ...body }, null, 2)}\n`;
}

/** Each table: its file, what it is generated from, and its content. */
export const CHART_TABLES: Array<{ file: string; render: () => string }> = [
  // the names of the objects the chart renders: harbor-edge.name (_helpers.tpl)
  { file: "chart/files/names.json", render: () => table("generator/src/common/names.ts NAMES", NAMES) },
  // the built-in registries Harbor proxies, and an extra registry's type when it names none: harbor-edge.proxyRegistries (_helpers-proxy.tpl)
  {
    file: "chart/files/proxy-registries.json",
    render: () =>
      table("generator/src/spec/registries.ts BUILTIN_PROXY, DEFAULT_PROXY_TYPE", {
        builtin: BUILTIN_PROXY,
        defaultType: DEFAULT_PROXY_TYPE,
      }),
  },
  // what the guard compares: harbor-edge.guardPairs (_helpers.tpl)
  { file: "chart/files/guard-pairs.json", render: () => table("generator/src/values/derive.ts GUARD_PAIRS", { pairs: GUARD_PAIRS }) },
  // the REGISTRY_STORAGE_S3_* overrides: harbor-edge.s3Env (_helpers.tpl)
  { file: "chart/files/s3-env.json", render: () => table("generator/src/values/derive.ts S3_ENV", { variables: S3_ENV }) },
];
