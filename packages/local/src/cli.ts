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
    name: "rollback",
    summary: "Roll an applied update back and hold that drift (same code as the admin API)",
    load: async () => (await import("./commands/rollback")).rollbackCommand,
  },
  {
    name: "rollout",
    summary: "Deliver one drift in waves: start, list, show, pause, resume, cancel, report, tick",
    load: async () => (await import("./commands/rollout")).rolloutCommand,
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
    name: "notify",
    summary: "List, set, remove or test notification subscriptions",
    load: async () => (await import("./commands/notify")).notifyCommand,
  },
  {
    name: "integrity",
    summary: "List tag-integrity events (re-pointed, deleted, re-created tags; version downgrades)",
    load: async () => (await import("./commands/integrity")).integrityCommand,
  },
  {
    name: "token",
    summary: "Mint, list or revoke API tokens (operator, or one workspace)",
    load: async () => (await import("./commands/token")).tokenCommand,
  },
  {
    name: "mcp",
    summary: "Serve the MCP tools over stdio for a local agent (--workspace)",
    load: async () => (await import("./commands/mcp")).mcpCommand,
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

/** The command a typo most likely meant: at most two edits away (one for names of four letters or fewer). */
export function closestCommand(typed: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const { name } of COMMANDS) {
    const distance = editDistance(typed.toLowerCase(), name);
    if (distance <= (name.length <= 4 ? 1 : 2) && (!best || distance < best.distance))
      best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance, adjacent swaps counting one edit ("pnding", "aplpy"). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
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
    const near = closestCommand(name);
    stderr.write(
      near
        ? `drift: unknown command '${name}'. Did you mean 'drift ${near}'?\n`
        : `drift: unknown command '${name}'\n\n${help()}`,
    );
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
