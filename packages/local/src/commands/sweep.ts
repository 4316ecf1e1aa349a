import { parseArgs } from "node:util";
import { type Log, minReleaseAgeSetting } from "@drift/core";
import { deliverPending } from "@drift/notify";
import { type Command, type CommandContext, UsageError } from "../command";
import { openDatabase } from "../database";
import { localNotifySettings } from "../local-notify";
import { createCliLogger, parseLogLevel } from "../logger";
import { resolverFromEnv } from "../resolver-from-env";
import { runLocalSweep, type SweepSummary } from "../runner";

export const sweepCommand: Command = {
  name: "sweep",
  usage: [
    "drift sweep [--json] [--concurrency N] [--takeover] [--verbose]",
    "",
    "  --json         print exactly one JSON object (the summary) on stdout; logs go to stderr",
    "  --takeover     abandon a sweep still dispatching (its process died) and start this one",
    "  --concurrency  worker invocations at once (default 2)",
    "  --verbose      info-level logs on stderr",
    "",
    "Exit 0 when the sweep completed (even if some targets failed to resolve); 1 when it could not run or did",
    "not complete (another sweep was dispatching, a message was dead-lettered). With --json, stdout holds one",
    'JSON object either way: the summary, or {"status":"failed","error":…}.',
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: {
        json: { type: "boolean" },
        concurrency: { type: "string" },
        takeover: { type: "boolean" },
        verbose: { type: "boolean" },
      },
      strict: true,
    });
    const log = createCliLogger(
      values.verbose ? "info" : parseLogLevel(ctx.env.DRIFT_LOG_LEVEL, "warn"),
      ctx.stderr,
    );
    try {
      const concurrency = values.concurrency === undefined ? 2 : Number(values.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new UsageError("--concurrency must be an integer from 1 to 64");
      }
      return await sweepOnce(ctx, log, {
        concurrency,
        json: Boolean(values.json),
        takeover: Boolean(values.takeover),
      });
    } catch (error) {
      // The contract promises one JSON object on stdout with --json: a failure is reported as one too.
      if (values.json)
        ctx.stdout.write(`${JSON.stringify({ status: "failed", error: (error as Error).message })}\n`);
      throw error;
    }
  },
};

/** One sweep on the configured database; returns the exit code. */
async function sweepOnce(
  ctx: CommandContext,
  log: Log,
  { concurrency, json, takeover }: { concurrency: number; json: boolean; takeover: boolean },
): Promise<number> {
  const db = await openDatabase({ env: ctx.env });
  try {
    const resolver = await resolverFromEnv(ctx.env, log);
    const tty = Boolean(ctx.stderr.isTTY) && !json;
    const summary = await runLocalSweep({
      sql: db.sql,
      resolver,
      log,
      queue: { concurrency },
      minReleaseAgeMs: minReleaseAgeSetting(ctx.env.DRIFT_MIN_RELEASE_AGE),
      dispatch: { takeover },
      onProgress: tty
        ? (done, total) => ctx.stderr.write(`\rsweeping: ${done}/${total} messages`)
        : undefined,
    });
    if (tty) ctx.stderr.write("\r\x1b[K");
    ctx.stdout.write(json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    // After the summary: a slow receiver delays the exit by one request timeout, never the sweep.
    await deliverPending(db.sql, localNotifySettings(ctx.env), { log });
    if (summary.status === "completed") return 0;
    ctx.stderr.write(
      summary.status === "skipped"
        ? `drift sweep: not started: ${summary.reason}\n${
            summary.reason?.includes("dispatching")
              ? "if its process is dead, run `drift sweep --takeover` (see docs/operations.md)\n"
              : ""
          }`
        : `drift sweep: incomplete: ${summary.messages.deadLettered} message(s) dead-lettered\n`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

/** GitHub's two budgets apart: GraphQL points and REST requests (each with what the host said is left). */
function githubLine(s: SweepSummary): string {
  const left = (n: number | null) => (n === null ? "" : ` (${n} left)`);
  const { graphql, rest } = s.github;
  return `GraphQL ${graphql.requests}, ${graphql.points} points${left(graphql.remaining)}; REST ${rest.requests}${left(rest.remaining)}`;
}

/** The human summary table. */
export function formatSummary(s: SweepSummary): string {
  if (s.status === "skipped") return `Sweep not started: ${s.reason}\n`;
  const failed = Object.entries(s.targets.failedByKind)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const rows: [string, string][] = [
    ["sweep", `${s.sweepId} (${s.status}, ${(s.durationMs / 1000).toFixed(1)} s)`],
    [
      "rows",
      `${s.rows.scanned} scanned, ${s.rows.mapped} new or changed, ${s.rows.skipped} skipped, ${s.rows.invalid} invalid`,
    ],
    [
      "targets",
      `${s.targets.dispatched} dispatched, ${s.targets.resolved} resolved, ${s.targets.failed} failed, ${s.targets.deferred} deferred`,
    ],
    ...(failed ? ([["failures", failed]] as [string, string][]) : []),
    [
      "messages",
      `${s.messages.sent} sent, ${s.messages.deliveries} deliveries, ${s.messages.deadLettered} dead-lettered`,
    ],
    ["drift", `${s.drift.new} new, ${s.drift.refreshed} refreshed, ${s.drift.superseded} superseded`],
    ["github", githubLine(s)],
    ...(s.gitea.requests ? ([["gitea", `${s.gitea.requests} requests`]] as [string, string][]) : []),
    ["pending", `${s.pendingUpdates} update(s) waiting for an operator`],
    [
      "policies",
      `${s.policies.autoApplied} auto-applied, ${s.policies.coolingDown} cooling down, ${s.policies.integrityEvents} integrity event(s)`,
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n")}\n`;
}
