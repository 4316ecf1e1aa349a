import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import {
  createLogNotifier,
  type DecisionAction,
  type DecisionOutcome,
  decideAndPublish,
  displayText,
  isUuid,
} from "@drift/core";
import { createDecisionStore, createEventOutbox, groupMatesOf, updateRowsById } from "@drift/db";
import { parseUntil } from "../cli-format";
import { type CommandContext, UsageError } from "../command";
import { openDatabase } from "../database";
import { resolveQueueId } from "../id-prefix";
import { createCliLogger, parseLogLevel } from "../logger";
import { describeGroup, renderGroup } from "./group-decision";

/** Database text made safe for a terminal: hidden and bidi characters shown as escapes (core display helper). */
export const printable = (text: string): string => displayText(text, 1_000_000).full;

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
    case "reopened":
      ctx.stdout.write(`Reopened ${id} (${printable(outcome.update.plugin_name)}): pending again\n`);
      return 0;
    case "rolled_back":
    case "already_rolled_back": {
      const u = outcome.update;
      const done = outcome.kind === "rolled_back" ? "Rolled back" : "Already rolled back";
      ctx.stdout.write(`${done} ${id}: ${printable(u.plugin_name)} is at ${printable(u.previous_sha)}\n`);
      return 0;
    }
  }
}

const FLAGS = {
  apply: {
    force: { type: "boolean" },
    yes: { type: "boolean" },
    reason: { type: "string" },
    "only-this": { type: "boolean" },
  },
  dismiss: {
    reason: { type: "string" },
    until: { type: "string" },
    yes: { type: "boolean" },
    "only-this": { type: "boolean" },
  },
  reopen: { reason: { type: "string" } },
  rollback: { reason: { type: "string" } },
} as const;

/** Asks on the terminal; false when stdin is not a terminal (scripts must say --yes). */
async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: ctx.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/**
 * `drift apply|dismiss|reopen|rollback ID`: the admin API's decision path ({@link decideAndPublish}), `decided_by = cli`;
 * the ID may be a unique prefix. Applying a moved tag (or a row whose names carry hidden characters) asks first,
 * unless `--yes`. The applied event is published as a log line on stderr.
 */
export async function runDecision(ctx: CommandContext, action: DecisionAction): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...ctx.argv],
    options: FLAGS[action],
    allowPositionals: true,
    strict: true,
  });
  const flags = values as {
    force?: boolean;
    yes?: boolean;
    reason?: string;
    until?: string;
    "only-this"?: boolean;
  };
  const [typed, ...extra] = positionals;
  if (!typed || extra.length > 0) throw new UsageError("expected exactly one ID (see drift pending)");
  if (!/^[0-9a-f-]+$/i.test(typed) || (typed.length > 36 && !isUuid(typed)))
    throw new UsageError(
      `ID must be a UUID or a unique prefix of one, got ${JSON.stringify(typed.slice(0, 80))}`,
    );
  if (flags.reason !== undefined && flags.reason.length > 500)
    throw new UsageError("--reason: at most 500 characters");
  const until = flags.until === undefined ? undefined : parseUntil(flags.until);
  if (until === null)
    throw new UsageError("--until takes a future ISO-8601 time or a duration such as 12h or 7d");
  const db = await openDatabase({ env: ctx.env });
  try {
    const id = await resolveQueueId(db.sql, typed);
    if (action === "apply" && !flags.yes) {
      const [row] = await updateRowsById(db.sql, [id]);
      if (row?.status === "pending" && row.suspicious) {
        const what = `${displayText(row.plugin_name, 60).text} follows a ${row.drift_kind === "tag_moved" ? "MOVED TAG" : "name with hidden characters"} (${displayText(row.tracked_ref, 60).text})`;
        if (!(await confirm(ctx, `Apply ${id}? ${what}`))) {
          ctx.stderr.write(`drift apply: not applied: ${what}; re-run with --yes to apply it\n`);
          return 1;
        }
      }
    }
    const ids = action === "reopen" || flags["only-this"] ? [id] : await groupMatesOf(db.sql, id);
    let what = "";
    if (ids.length > 1) {
      what = await describeGroup(db.sql, ids);
      const verb = action === "apply" ? "Apply" : "Dismiss";
      if (!flags.yes && !(await confirm(ctx, `${verb} ${what}?`))) {
        ctx.stderr.write(
          `drift ${action}: nothing decided: ${id.slice(0, 8)} is one of ${what}; --yes decides them all, --only-this this one\n`,
        );
        return 1;
      }
    }
    const log = createCliLogger(parseLogLevel(ctx.env.DRIFT_LOG_LEVEL, "info"), ctx.stderr);
    const deps = {
      store: createDecisionStore(db.sql),
      outbox: createEventOutbox(db.sql),
      notifier: createLogNotifier(log),
      log,
    };
    // Each row in its own transaction, as the bulk route decides them.
    const outcomes = [];
    for (const one of ids.length > 0 ? ids : [id]) {
      const outcome = await decideAndPublish(deps, one, action, {
        decidedBy: "cli",
        ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
        ...(until ? { until } : {}),
        force: flags.force === true,
      });
      outcomes.push({ id: one, outcome });
    }
    if (outcomes.length === 1 && outcomes[0]) return renderDecision(ctx, action, id, outcomes[0].outcome);
    return renderGroup(ctx, action, what, outcomes);
  } finally {
    await db.close();
  }
}
