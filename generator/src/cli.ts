// harbor-edge: validate a harbor-config spec, write chart values, secrets, and render the chart.
// Each command lives in its own module under commands/ (or beside what it does) exporting register(program);
// a command module imports only commander and commands/common.js at load time and its action imports the rest
// on demand, so `harbor-edge --help` stays fast. Adding a command is one line in COMMANDS.
import { Command, CommanderError } from "commander";
import { EXIT, Invalid, err } from "./commands/common.js";
import { packageVersion } from "./version.js";

export { EXIT };

type CommandModule = { register: (program: Command) => void };

/** One line per command, in the order `--help` lists them. */
const COMMANDS: Array<() => Promise<CommandModule>> = [
  () => import("./commands/validate.js"),
  () => import("./commands/values.js"),
  () => import("./commands/secrets.js"),
  () => import("./commands/render.js"),
  () => import("./commands/images.js"),
  () => import("./commands/pack.js"),
  () => import("./commands/terraform.js"),
];

export async function buildProgram(): Promise<Command> {
  const program = new Command("harbor-edge")
    .description("Harbor on Edge clusters: validate a harbor-config spec, write chart values and secrets, render the chart.")
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  for (const mod of await Promise.all(COMMANDS.map((load) => load()))) mod.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram();
  if (argv.length === 0) {
    err(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
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
