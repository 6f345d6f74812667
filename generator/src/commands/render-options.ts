// The options of `harbor-edge render`, declared once: render.ts registers them with commander, and
// render-early.ts reads the same ones from argv with node's parseArgs, before commander is loaded, to start
// helm sooner. No imports: it loads before anything else.

export interface RenderOption {
  /** the commander flags, e.g. "-o, --output <dir>" */
  flags: string;
  description: string;
  default?: string;
  hidden?: boolean;
}

export const RENDER_OPTIONS = {
  output: {
    flags: "-o, --output <dir>",
    description: "write values.yaml and manifests.yaml into this directory; - prints the manifests on stdout",
    default: "out",
  },
  // the flag render had before -o (every other command writes with -o): still read, not shown
  outDir: { flags: "-d, --out-dir <dir>", description: "deprecated: use -o, --output", hidden: true },
  secrets: { flags: "-s, --secrets <file>", description: "secrets file from harbor-edge secrets, for a repeatable render" },
  namespace: { flags: "-n, --namespace <ns>", description: "release namespace", default: "harbor" },
  release: { flags: "-r, --release <name>", description: "release name", default: "harbor" },
  ownOnly: { flags: "--own-only", description: "render only this chart's templates, without the upstream harbor chart" },
} satisfies Record<string, RenderOption>;

export type RenderOptionValues = {
  output: string;
  outDir?: string;
  secrets?: string;
  namespace: string;
  release: string;
  ownOnly?: boolean;
};

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
