import { parseArgs } from "node:util";
import { createLogNotifier, isUuid } from "@drift/core";
import { type DecisionAction, type DecisionOutcome, decideAndPublish } from "@drift/db";
import { type CommandContext, UsageError } from "../command";
import { openDatabase } from "../database";
import { createCliLogger, parseLogLevel } from "../logger";

/** The one positional ID of `drift apply|dismiss ID`, checked to be a UUID before it reaches SQL. */
export function queueIdArgument(ctx: CommandContext): string {
  const { positionals } = parseArgs({
    args: [...ctx.argv],
    options: {},
    allowPositionals: true,
    strict: true,
  });
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0) throw new UsageError("expected exactly one ID (see drift pending)");
  if (!isUuid(id)) throw new UsageError(`ID must be a UUID, got ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}

/** Control characters out of database text before it reaches a terminal. */
export const printable = (text: string): string => text.replace(/\p{Cc}/gu, "?");

/** The CLI rendering of a decision: a line on stdout and exit 0, or the refusal on stderr and exit 1. */
export function renderDecision(
  ctx: CommandContext,
  action: DecisionAction,
  id: string,
  outcome: DecisionOutcome,
): number {
  const refuse = (reason: string) => {
    ctx.stderr.write(`drift ${action}: ${reason}\n`);
    return 1;
  };
  switch (outcome.kind) {
    case "not_found":
      return refuse(`no plugin update ${id}`);
    case "conflict":
      return refuse(printable(outcome.message));
    case "already_applied":
      ctx.stdout.write(
        `Already applied: ${printable(outcome.update.plugin_name)} is at ${outcome.update.installed_sha}\n`,
      );
      return 0;
    case "applied": {
      const u = outcome.update;
      ctx.stdout.write(
        `Applied ${id}: ${printable(u.plugin_name)} in ${u.workspace_id}: ${printable(u.previous_sha)} -> ${printable(u.installed_sha)}\n`,
      );
      return 0;
    }
    case "dismissed":
    case "already_dismissed":
      ctx.stdout.write(
        `${outcome.kind === "dismissed" ? "Dismissed" : "Already dismissed"} ${id} (${printable(outcome.update.plugin_name)})\n`,
      );
      return 0;
  }
}

/**
 * `drift apply|dismiss ID`: the admin API's decision path ({@link decideAndPublish}); the applied event is
 * published as a log line on stderr.
 */
export async function runDecision(ctx: CommandContext, action: DecisionAction): Promise<number> {
  const id = queueIdArgument(ctx);
  const db = await openDatabase({ env: ctx.env });
  try {
    const log = createCliLogger(parseLogLevel(ctx.env.DRIFT_LOG_LEVEL, "info"), ctx.stderr);
    const outcome = await decideAndPublish(db.sql, id, action, {
      notifier: createLogNotifier(log),
      log,
      decidedBy: "cli",
    });
    return renderDecision(ctx, action, id, outcome);
  } finally {
    await db.close();
  }
}
