// The command reference in docs/cli.md, between the markers below: every command with its arguments and
// options, read from the CLI itself (the program `harbor-edge --help` shows), so the docs cannot drift from it.
import type { Command } from "commander";
import { ROOT } from "../../src/paths.js";
import { GENERATED_NOTICE } from "../../src/common/banner.js";

export const CLI_START = "<!-- cli-reference:start -->";
export const CLI_END = "<!-- cli-reference:end -->";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
/** Help text names the clone's absolute paths (render's default spec): the docs name them from the root. */
const portable = (s: string) => s.split(`${ROOT}/`).join("");

function commandSection(cmd: Command): string {
  const help = cmd.createHelp();
  const lines = [
    `### harbor-edge ${cmd.name()}`,
    "",
    "```text",
    `harbor-edge ${cmd.name()} ${cmd.usage()}`,
    "```",
    "",
    portable(cmd.description()) + ".",
    "",
  ];
  const args = cmd.registeredArguments;
  const opts = cmd.options.filter((o) => !o.hidden);
  if (args.length || opts.length) {
    lines.push("| Argument or option | Meaning |", "|---|---|");
    for (const a of args)
      lines.push(`| \`${a.required ? `<${a.name()}>` : `[${a.name()}]`}\` | ${cell(portable(help.argumentDescription(a)))} |`);
    for (const o of opts) lines.push(`| \`${o.flags}\` | ${cell(portable(help.optionDescription(o)))} |`);
    lines.push("");
  }
  return lines.join("\n");
}

export async function cliReference(): Promise<string> {
  const { buildProgram } = await import("../../src/cli.js");
  const program = await buildProgram();
  return [
    CLI_START,
    `<!-- ${GENERATED_NOTICE} (source: the commands in generator/src/, as \`harbor-edge CMD --help\` shows them) -->`,
    "",
    ...program.commands.map(commandSection),
    CLI_END,
  ].join("\n");
}

/** docs/cli.md with the reference between the markers replaced. */
export async function withCliReference(doc: string): Promise<string> {
  const start = doc.indexOf(CLI_START);
  const end = doc.indexOf(CLI_END);
  if (start < 0 || end < start) throw new Error(`docs/cli.md has no ${CLI_START} ... ${CLI_END} markers`);
  return doc.slice(0, start) + (await cliReference()) + doc.slice(end + CLI_END.length);
}
