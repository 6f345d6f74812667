// The options of `harbor-edge render`, declared once: render.ts registers them with commander, and
// render-early.ts reads the same ones from argv with node's parseArgs, before commander is loaded, to start
// helm sooner. No imports: it loads before anything else.

export interface RenderOption {
  /** the commander flags, e.g. "-d, --out-dir <dir>" */
  flags: string;
  description: string;
  default?: string;
  hidden?: boolean;
}

export const RENDER_OPTIONS = {
  outDir: { flags: "-d, --out-dir <dir>", description: "write values.yaml and manifests.yaml here", default: "out" },
  secrets: { flags: "-s, --secrets <file>", description: "secrets file from harbor-edge secrets, for a repeatable render" },
  namespace: { flags: "-n, --namespace <ns>", description: "release namespace", default: "harbor" },
  release: { flags: "-r, --release <name>", description: "release name", default: "harbor" },
  ownOnly: { flags: "--own-only", description: "render only this chart's templates, without the upstream harbor chart" },
} satisfies Record<string, RenderOption>;

export type RenderOptionValues = { outDir: string; secrets?: string; namespace: string; release: string; ownOnly?: boolean };

/** parseArgs' view of RENDER_OPTIONS (long name, short letter, whether it takes a value). */
export function parseArgsOptions(): Record<string, { type: "string" | "boolean"; short?: string }> {
  const out: Record<string, { type: "string" | "boolean"; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const o of Object.values(RENDER_OPTIONS) as RenderOption[]) {
    const m = /^(?:-(\w), )?--([\w-]+)( <\w+>)?$/.exec(o.flags);
    if (!m) throw new Error(`render option flags not understood: ${o.flags}`);
    out[m[2]] = { type: m[3] ? "string" : "boolean", ...(m[1] ? { short: m[1] } : {}) };
  }
  return out;
}
