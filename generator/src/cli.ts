// harbor-edge: validate a harbor-config spec, write chart values, secrets, and render the chart.
// Each command lives in its own module under commands/ (or beside what it does) exporting register(program);
// a command module imports only commander and light modules of ours at load time and its action imports the
// rest on demand. `harbor-edge CMD ...` loads CMD's module alone; help and anything else load them all.
// Adding a command is one line in COMMANDS. Even commander loads on demand: `render` first starts helm
// (commands/render-early.ts), so helm's start-up overlaps the loading of everything else.
import type { Command } from "commander";
import { EXIT, Exit, Invalid, err } from "./commands/common.js";

export { EXIT };

type CommandModule = { register: (program: Command) => void };

/** One line per command (its name, its module), in the order `--help` lists them. */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  validate: () => import("./commands/validate.js"),
  values: () => import("./commands/values.js"),
  secrets: () => import("./commands/secrets.js"),
  render: () => import("./commands/render.js"),
  images: () => import("./commands/images.js"),
  pack: () => import("./commands/pack.js"),
  terraform: () => import("./commands/terraform.js"),
  "node-config": () => import("./commands/node-config.js"),
  "node-check": () => import("./commands/node-check.js"),
  status: () => import("./commands/status.js"),
  seed: () => import("./commands/seed.js"),
  configure: () => import("./commands/configure.js"),
  report: () => import("./commands/report.js"),
  version: () => import("./commands/version.js"),
};

/** The program with the command argv names registered, or every command (help, a mistyped name, nothing). */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const [{ Command }, { packageVersion }] = await Promise.all([import("commander"), import("./common/version.js")]);
  const program = new Command("harbor-edge")
    .description("Harbor on Edge clusters: validate a harbor-config spec, write chart values and secrets, render the chart.")
    .version(packageVersion())
    .showHelpAfterError(usageHint())
    .exitOverride();
  const wanted = Object.hasOwn(COMMANDS, argv[0] ?? "") ? [COMMANDS[argv[0]]] : Object.values(COMMANDS);
  for (const mod of await Promise.all(wanted.map((load) => load()))) mod.register(program);
  // a usage error is commander's one line ("error: missing required argument 'spec'") and where help is
  for (const cmd of program.commands) cmd.showHelpAfterError(usageHint(cmd.name()));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const early = argv[0] === "render" ? await import("./commands/render-early.js") : undefined;
  await early?.startEarly(argv.slice(1));
  try {
    return await run(argv);
  } finally {
    early?.abortUnclaimed();
  }
}

/** The line after a usage error, as kubectl says it. */
export function usageHint(command?: string): string {
  return `see 'harbor-edge ${command ? `${command} ` : ""}--help'`;
}

async function run(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  if (argv.length === 0) {
    err(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    const { CommanderError } = await import("commander");
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof Exit) {
      if (e.message) err(e.message);
      return e.code;
    }
    if (e instanceof Invalid) {
      if (e.message) err(`error: ${e.message}`);
      return EXIT.invalid;
    }
    // unreadable input, a missing upstream chart, a failed render: one line, exit 1
    err(`error: ${(e as Error).message}`);
    return EXIT.invalid;
  }
}
