import type { Command, CommandContext } from "./command";
import { UsageError } from "./command";

/** A command as `drift --help` lists it; its module (and what it imports) loads only when it runs. */
export interface CommandEntry {
  readonly name: string;
  /** One line for `drift --help`. */
  readonly summary: string;
  load(): Promise<Command>;
}

/**
 * Every `drift` command. Add new ones here (one file per command in ./commands). Imports are dynamic so that
 * `drift --help` loads no database driver, HTTP client or AWS code, and each command loads only its own.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "migrate",
    summary: "Create or upgrade the database schema (idempotent)",
    load: async () => (await import("./commands/migrate")).migrateCommand,
  },
  {
    name: "sweep",
    summary: "Run one full sweep now (dispatcher → local queue → workers, the Lambda code path)",
    load: async () => (await import("./commands/sweep")).sweepCommand,
  },
  {
    name: "track",
    summary: "Install or re-point a workspace plugin (writes workspace_plugins like the platform does)",
    load: async () => (await import("./commands/track")).trackCommand,
  },
  {
    name: "demo",
    summary: "Offline end-to-end demo on a SIMULATED GitHub: seed, sweep, review, decide, sweep again",
    load: async () => (await import("./commands/demo")).demoCommand,
  },
  {
    name: "pending",
    summary: "Pending updates grouped by drift, moved tags first (--wide, --json, filters)",
    load: async () => (await import("./commands/pending")).pendingCommand,
  },
  {
    name: "apply",
    summary: "Apply a pending update (installs the approved commit; same code as the admin API)",
    load: async () => (await import("./commands/apply")).applyCommand,
  },
  {
    name: "dismiss",
    summary: "Dismiss a pending update, with --reason and --until (same code as the admin API)",
    load: async () => (await import("./commands/dismiss")).dismissCommand,
  },
  {
    name: "reopen",
    summary: "Make a dismissed update pending again (same code as the admin API)",
    load: async () => (await import("./commands/reopen")).reopenCommand,
  },
  {
    name: "history",
    summary: "Decided updates (applied, dismissed, superseded): who, when, why (--json, filters)",
    load: async () => (await import("./commands/history")).historyCommand,
  },
  {
    name: "failing",
    summary: "Targets whose last lookup failed, most failures first (--json)",
    load: async () => (await import("./commands/failing")).failingCommand,
  },
  {
    name: "serve",
    summary: "Serve the admin API and page locally (the Lambda Function URL's app)",
    load: async () => (await import("./commands/serve")).serveCommand,
  },
  {
    name: "policy",
    summary: "List, set or remove supply-chain policies (minimum release age, auto-apply)",
    load: async () => (await import("./commands/policy")).policyCommand,
  },
  {
    name: "integrity",
    summary: "List tag-integrity events (re-pointed, deleted, re-created tags; version downgrades)",
    load: async () => (await import("./commands/integrity")).integrityCommand,
  },
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
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    stderr.write(`drift: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const command = await entry.load();
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
