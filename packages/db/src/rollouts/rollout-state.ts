import {
  type ControlAction,
  type ControlResult,
  type HealthReport,
  type ReportResult,
  ROLLOUT_COMPLETED,
  ROLLOUT_HALTED,
  ROLLOUT_WAVE_STARTED,
  type RolloutStatus,
  type RolloutWork,
  type RowVerdict,
} from "@drift/core/model";
import type postgres from "postgres";
import type { Sql } from "../client";
import { appendControl } from "../decisions/decision-log";
import { writeOutboxEvent } from "../events/event-outbox";
import { pgText } from "../pg-text";

/**
 * A rollout's state changes. Each one runs under the rollout's row lock (`FOR UPDATE`, never an advisory lock:
 * RDS Proxy) and re-checks the state it changes, so two racing ticks start a wave once, halt once, complete once;
 * each change writes its event to the outbox in the same transaction. Halt, pause, resume and cancel are decision
 * log entries too (rollout_halt…, from → to status), written in that transaction.
 */

interface LockedRollout {
  id: string;
  status: RolloutStatus;
  latest_sha: string;
  tracked_ref: string;
  source_raw: string | null;
  max_failures: number;
  rollback_on_halt: boolean;
  next_due_at: Date | null;
  due: boolean;
  failed: number;
}

async function lockRollout(tx: postgres.TransactionSql, id: string, now: Date) {
  const [r] = await tx<LockedRollout[]>`
    SELECT r.id, r.status, r.latest_sha, r.tracked_ref, r.source_raw, r.max_failures, r.rollback_on_halt,
           r.next_due_at, coalesce(r.next_due_at <= ${now}, false) AS due,
           (SELECT count(*)::int FROM drift_rollout_rows x WHERE x.rollout_id = r.id AND x.health = 'failed') AS failed
    FROM drift_rollouts r WHERE r.id = ${id}::uuid FOR UPDATE`;
  return r;
}

/** A rollout status change in the decision log (inside the change's transaction). */
const logStatus = (
  tx: postgres.TransactionSql,
  r: LockedRollout,
  action: string,
  to: RolloutStatus,
  decidedBy: string,
  reason: string | null = null,
) =>
  appendControl(tx, {
    subject: "rollout",
    subjectId: r.id,
    action: `rollout_${action}`,
    fromStatus: r.status,
    toStatus: to,
    to: { source_raw: r.source_raw, tracked_ref: r.tracked_ref, latest_sha: r.latest_sha },
    decidedBy,
    reason,
  });

const eventOf = (r: LockedRollout, extra: Record<string, unknown>) => ({
  rollout_id: r.id,
  source_raw: r.source_raw,
  tracked_ref: r.tracked_ref,
  latest_sha: r.latest_sha,
  ...extra,
});

/** Rollouts with something due: a soak ended, rows left to apply or roll back, failures not yet acted on. */
export async function dueRollouts(sql: Sql, now: Date, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    SELECT r.id FROM drift_rollouts r
    WHERE (r.status = 'running' AND (r.next_due_at <= ${now} OR EXISTS (
            SELECT 1 FROM drift_rollout_rows x JOIN drift_rollout_waves w ON w.rollout_id = x.rollout_id AND w.idx = x.wave
            WHERE x.rollout_id = r.id AND x.state = 'waiting' AND w.started_at IS NOT NULL)))
       OR (r.status IN ('running', 'paused') AND (SELECT count(*) FROM drift_rollout_rows x
            WHERE x.rollout_id = r.id AND x.health = 'failed') > r.max_failures)
       OR (r.status = 'halted' AND r.rollback_on_halt AND EXISTS (
            SELECT 1 FROM drift_rollout_rows x WHERE x.rollout_id = r.id AND x.state = 'applied'))
    ORDER BY r.created_at, r.id LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

/**
 * Waiting rows whose queue row was refreshed to another commit or decided by someone else leave the rollout. A
 * row this rollout applied itself (a crash between the apply and its mark) is not one: the next apply finds it.
 */
export async function markLeft(sql: Sql, id: string): Promise<number> {
  const rows = await sql`
    UPDATE drift_rollout_rows x SET state = 'left', decided_at = now()
    FROM drift_rollouts r, plugin_update_queue q
    WHERE x.rollout_id = ${id}::uuid AND r.id = x.rollout_id AND x.state = 'waiting' AND q.id = x.queue_id
      AND (lower(q.latest_sha) <> r.latest_sha OR (q.status <> 'pending'
           AND q.decided_by IS DISTINCT FROM 'rollout:' || r.id::text))
    RETURNING 1`;
  return rows.length;
}

/** Halts a running or paused rollout whose failed rows exceed max_failures; true when this call halted it. */
export async function haltIfFailing(sql: Sql, id: string, now: Date): Promise<boolean> {
  return (await sql.begin(async (tx) => {
    const r = await lockRollout(tx, id, now);
    if (!r || (r.status !== "running" && r.status !== "paused") || r.failed <= r.max_failures) return false;
    await tx`UPDATE drift_rollouts SET status = 'halted', ended_at = ${now}, updated_at = ${now}, next_due_at = NULL
             WHERE id = ${id}::uuid`;
    await tx`UPDATE drift_rollout_rows SET state = 'stopped' WHERE rollout_id = ${id}::uuid AND state = 'waiting'`;
    // The rollout halts itself, on its health reports.
    const why = `${r.failed} failure(s) reported, ${r.max_failures} allowed`;
    await logStatus(tx, r, "halt", "halted", `rollout:${r.id}`, why);
    await writeOutboxEvent(
      tx,
      ROLLOUT_HALTED,
      eventOf(r, {
        failed: r.failed,
        max_failures: r.max_failures,
        rollback: r.rollback_on_halt,
        halted_at: now.toISOString(),
      }),
    );
    return true;
  })) as boolean;
}

/** Starts the next wave when the rollout runs and the last soak ended; completes it when nothing is left. */
export async function startDueWave(sql: Sql, id: string, now: Date) {
  return (await sql.begin(async (tx) => {
    const idle = { started: null, completed: false };
    const r = await lockRollout(tx, id, now);
    if (r?.status !== "running" || !r.due) return idle;
    const [next] = await tx<{ idx: number; soak_ms: string; rows: number }[]>`
      SELECT w.idx, w.soak_ms, (SELECT count(*)::int FROM drift_rollout_rows x
                                WHERE x.rollout_id = w.rollout_id AND x.wave = w.idx) AS rows
      FROM drift_rollout_waves w WHERE w.rollout_id = ${id}::uuid AND w.started_at IS NULL ORDER BY w.idx LIMIT 1`;
    if (next) {
      await tx`UPDATE drift_rollout_waves SET started_at = ${now} WHERE rollout_id = ${id}::uuid AND idx = ${next.idx}`;
      const dueAt = new Date(now.getTime() + Number(next.soak_ms));
      await tx`UPDATE drift_rollouts SET next_due_at = ${dueAt}, updated_at = ${now} WHERE id = ${id}::uuid`;
      await writeOutboxEvent(
        tx,
        ROLLOUT_WAVE_STARTED,
        eventOf(r, { wave: next.idx + 1, rows: next.rows, started_at: now.toISOString(), soak_until: dueAt }),
      );
      return { started: next.idx, completed: false };
    }
    const [waiting] =
      await tx`SELECT 1 FROM drift_rollout_rows WHERE rollout_id = ${id}::uuid AND state = 'waiting'
                               LIMIT 1`;
    if (waiting) return idle;
    await tx`UPDATE drift_rollouts SET status = 'completed', ended_at = ${now}, updated_at = ${now}, next_due_at = NULL
             WHERE id = ${id}::uuid`;
    const [n] = await tx<{ applied: number; left: number }[]>`
      SELECT count(*) FILTER (WHERE state = 'applied')::int AS applied, count(*) FILTER (WHERE state = 'left')::int AS left
      FROM drift_rollout_rows WHERE rollout_id = ${id}::uuid`;
    await writeOutboxEvent(tx, ROLLOUT_COMPLETED, eventOf(r, { ...n, completed_at: now.toISOString() }));
    return { started: null, completed: true };
  })) as { started: number | null; completed: boolean };
}

/** Rows to apply (waiting in started waves, while running) and to roll back (halted with rollback_on_halt). */
export async function rolloutWork(sql: Sql, id: string): Promise<RolloutWork | null> {
  const [r] = await sql<{ status: string; latest_sha: string; rollback_on_halt: boolean }[]>`
    SELECT status, latest_sha, rollback_on_halt FROM drift_rollouts WHERE id = ${id}::uuid`;
  if (!r) return null;
  const toApply =
    r.status !== "running"
      ? []
      : await sql<{ queue_id: string }[]>`
        SELECT x.queue_id FROM drift_rollout_rows x
        JOIN drift_rollout_waves w ON w.rollout_id = x.rollout_id AND w.idx = x.wave
        WHERE x.rollout_id = ${id}::uuid AND x.state = 'waiting' AND w.started_at IS NOT NULL ORDER BY x.position`;
  const toRollBack =
    r.status === "halted" && r.rollback_on_halt
      ? await sql<{ queue_id: string }[]>`
        SELECT queue_id FROM drift_rollout_rows WHERE rollout_id = ${id}::uuid AND state = 'applied' ORDER BY position`
      : [];
  return {
    id,
    latestSha: r.latest_sha,
    toApply: toApply.map((x) => x.queue_id),
    toRollBack: toRollBack.map((x) => x.queue_id),
  };
}

/**
 * Records what the decision path did to a row. An apply that lands after a halt stopped its row still counts as
 * applied (so a halt with rollback_on_halt rolls it back at the next tick).
 */
export async function markRow(sql: Sql, id: string, queueId: string, verdict: RowVerdict): Promise<void> {
  const from = verdict === "rolled_back" ? ["applied"] : ["waiting", "stopped", "applied"];
  await sql`UPDATE drift_rollout_rows SET state = ${verdict}, decided_at = now()
            WHERE rollout_id = ${id}::uuid AND queue_id = ${queueId}::uuid AND state = ANY(${from}::text[])
              AND state <> ${verdict}`;
}

/** A health report for a plugin of the rollout: `failed` stays once reported. */
export async function recordReport(sql: Sql, id: string, report: HealthReport): Promise<ReportResult> {
  const [r] = await sql`SELECT 1 FROM drift_rollouts WHERE id = ${id}::uuid`;
  if (!r) return "not_found";
  const rows = await sql`
    UPDATE drift_rollout_rows SET health = CASE WHEN ${report.ok} THEN coalesce(health, 'ok') ELSE 'failed' END,
      detail = coalesce(${pgText(report.detail, 500)}, detail)
    WHERE rollout_id = ${id}::uuid AND workspace_id = ${report.workspace_id}::uuid AND plugin_name = ${report.plugin_name}
    RETURNING 1`;
  return rows.length > 0 ? "recorded" : "not_in_rollout";
}

const CONTROL: Record<ControlAction, { from: RolloutStatus[]; to: RolloutStatus }> = {
  pause: { from: ["running"], to: "paused" },
  resume: { from: ["paused"], to: "running" },
  cancel: { from: ["running", "paused"], to: "cancelled" },
};

/**
 * Pause (running → paused), resume (paused → running), cancel (running or paused → cancelled), logged as
 * `rollout_<action>` by `decidedBy`. Asking for the state it is in already changes and logs nothing.
 */
export async function controlRollout(
  sql: Sql,
  id: string,
  action: ControlAction,
  now: Date,
  decidedBy: string,
) {
  return (await sql.begin(async (tx) => {
    const r = await lockRollout(tx, id, now);
    if (!r) return { kind: "not_found" };
    const rule = CONTROL[action];
    if (r.status === rule.to) return { kind: "done", status: r.status };
    if (!rule.from.includes(r.status)) return { kind: "conflict", status: r.status };
    const ended = rule.to === "cancelled" ? now : null;
    await tx`UPDATE drift_rollouts SET status = ${rule.to}, updated_at = ${now}, ended_at = ${ended}
             WHERE id = ${id}::uuid`;
    if (rule.to === "cancelled")
      await tx`UPDATE drift_rollout_rows SET state = 'stopped' WHERE rollout_id = ${id}::uuid AND state = 'waiting'`;
    await logStatus(tx, r, action, rule.to, decidedBy);
    return { kind: "done", status: rule.to };
  })) as ControlResult;
}
