import type { Command, CommandContext } from "./command";
import { UsageError } from "./command";
import { applyCommand } from "./commands/apply";
import { demoCommand } from "./commands/demo";
import { dismissCommand } from "./commands/dismiss";
import { failingCommand } from "./commands/failing";
import { historyCommand } from "./commands/history";
import { migrateCommand } from "./commands/migrate";
import { pendingCommand } from "./commands/pending";
import { reopenCommand } from "./commands/reopen";
import { serveCommand } from "./commands/serve";
import { sweepCommand } from "./commands/sweep";
import { trackCommand } from "./commands/track";

/** Every `drift` command. Add new ones here (one file per command in ./commands). */
export const COMMANDS: readonly Command[] = [
  migrateCommand,
  sweepCommand,
  trackCommand,
  demoCommand,
  pendingCommand,
  applyCommand,
  dismissCommand,
  reopenCommand,
  historyCommand,
  failingCommand,
  serveCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "drift: plugin drift sweeper",
    "",
    "Usage: drift COMMAND [options]   (drift COMMAND --help for details)",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Environment: DATABASE_URL (unset: embedded Postgres under .drift/), GITHUB_API_URL, GITHUB_TOKEN,",
    "GITEA_TOKEN, ADMIN_TOKEN.",
    "",
  ].join("\n");
}

/** Runs the CLI and returns the exit code (0 ok, 1 failed, 2 usage error). */
export async function main(argv: readonly string[], io: Partial<CommandContext> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    (name ? stdout : stderr).write(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    stderr.write(`drift: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run({ argv: rest, env, stdout, stderr });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      stderr.write(`drift ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
      return 2;
    }
    stderr.write(`drift ${name}: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
