import type {
  DispatchCounts,
  RecordedMessage,
  StartSweepResult,
  SweepStore,
  TargetOutcome,
} from "@drift/core/model";
import type { Sql } from "../client";
import { pgText } from "../pg-text";

/** A sweep "dispatched" this long ago will not complete (its messages are gone). */
const STALE_DISPATCHED = "6 hours";
/** Without a heartbeat for this long, a dispatching sweep is dead (the dispatcher's default, see DispatchConfig). */
const DEFAULT_DEAD_AFTER_MS = 2 * 60_000;

/** "41 s", "3 min 12 s": an age as an operator reads it. */
function seconds(value: number): string {
  const s = Math.max(0, Math.round(value));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** The sweep-run SQL: starting, dispatching, failing and completing sweeps, and their message rows. */
export type SweepRunStore = Pick<
  SweepStore,
  "startSweep" | "heartbeat" | "recordMessages" | "finishDispatch" | "failSweep" | "skipSweep"
>;

/** The Postgres implementation of a sweep's life cycle (drift_sweeps, drift_sweep_messages). */
export function createSweepRunStore(sql: Sql): SweepRunStore {
  return {
    async startSweep(trigger, minIntervalMs, options = {}): Promise<StartSweepResult> {
      const deadAfterSecs = (options.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS) / 1000;
      // A dispatching sweep is dead when its heartbeat stopped (killed, timed out), or taken over on request.
      await sql`UPDATE drift_sweeps SET status = 'abandoned', completed_at = now(),
          error = coalesce(error, ${options.takeover ? "taken over" : "dispatcher died (no heartbeat)"})
        WHERE (status = 'dispatching'
               AND (${options.takeover ?? false}::boolean OR heartbeat_at < now() - make_interval(secs => ${deadAfterSecs})))
           OR (status = 'dispatched' AND started_at < now() - ${STALE_DISPATCHED}::interval)`;
      // The NOT EXISTS catches a duplicate event after the first dispatch; the unique index on "dispatching"
      // catches two events at the same instant (ON CONFLICT DO NOTHING: the loser inserts nothing).
      const [row] = await sql<{ id: string }[]>`
        INSERT INTO drift_sweeps (trigger)
        SELECT ${trigger}
        WHERE NOT EXISTS (SELECT 1 FROM drift_sweeps WHERE status IN ('dispatching', 'dispatched', 'completed')
                          AND started_at > now() - make_interval(secs => ${minIntervalMs / 1000}))
        ON CONFLICT DO NOTHING
        RETURNING id`;
      if (row) return { started: true, sweepId: row.id };
      const [other] = await sql<{ id: string; status: string; age: number; beat: number }[]>`
        SELECT id, status, extract(epoch FROM now() - started_at)::float8 AS age,
          extract(epoch FROM now() - heartbeat_at)::float8 AS beat
        FROM drift_sweeps WHERE status IN ('dispatching', 'dispatched', 'completed')
        ORDER BY status = 'dispatching' DESC, started_at DESC LIMIT 1`;
      if (!other) return { started: false, reason: "another sweep is starting" };
      return {
        started: false,
        reason:
          other.status === "dispatching"
            ? `another sweep (${other.id}) has been dispatching for ${seconds(other.age)}, last heartbeat ${seconds(other.beat)} ago`
            : `a sweep (${other.id}) started ${seconds(other.age)} ago`,
        otherSweepId: other.id,
      };
    },

    async heartbeat(sweepId) {
      await sql`UPDATE drift_sweeps SET heartbeat_at = now() WHERE id = ${sweepId} AND status = 'dispatching'`;
    },

    async recordMessages(sweepId, messages) {
      if (messages.length === 0) return;
      await sql`INSERT INTO drift_sweep_messages (sweep_id, seq, target_count)
        SELECT ${sweepId}::uuid, * FROM unnest(${messages.map((m) => m.seq)}::int[], ${messages.map((m) => m.targetCount)}::int[])
        ON CONFLICT DO NOTHING`;
    },

    async finishDispatch(sweepId, counts: DispatchCounts) {
      return sql.begin(async (tx) => {
        // Locking the sweep row serialises this with workers finishing messages (see recordOutcomes).
        await tx`SELECT 1 FROM drift_sweeps WHERE id = ${sweepId} FOR UPDATE`;
        await tx`UPDATE drift_sweeps SET status = 'dispatched', dispatched_at = now(),
            rows_scanned = ${counts.rowsScanned}, rows_skipped = ${counts.rowsSkipped}, rows_invalid = ${counts.rowsInvalid},
            targets_dispatched = ${counts.targetsDispatched}, messages_sent = ${counts.messagesSent},
            drift_superseded = ${counts.driftSuperseded}
          WHERE id = ${sweepId}`;
        return completeIfDone(tx as unknown as Sql, sweepId);
      });
    },

    async failSweep(sweepId, error) {
      await sql`UPDATE drift_sweeps SET status = 'failed', completed_at = now(), error = ${pgText(error, 2000)}
        WHERE id = ${sweepId} AND status = 'dispatching'`;
    },

    async skipSweep(trigger, reason) {
      await sql`INSERT INTO drift_sweeps (trigger, status, completed_at, error)
        VALUES (${trigger}, 'skipped', now(), ${pgText(reason, 2000)})`;
    },
  };
}

/**
 * Counts one message's finished outcomes into its row and completes the sweep when it was the last outstanding
 * message. Runs inside the caller's transaction, after the target rows were written.
 */
export async function recordMessageDone(
  tx: Sql,
  sweepId: string,
  seq: number,
  outcomes: readonly TargetOutcome[],
  options: { final: boolean; retrying: number },
  drift: { new: number; refreshed: number; superseded: number },
): Promise<RecordedMessage> {
  const finished = outcomes.filter((o) => o.finished);
  const count = (p: (o: TargetOutcome) => boolean) => finished.filter(p).length;
  const resolvedN = count((o) => o.resolution.status === "resolved");
  const deferredN = count((o) => o.resolution.status === "failed" && o.resolution.kind === "deferred");
  const failedN = finished.length - resolvedN - deferredN;
  const retrying = options.final ? 0 : options.retrying;

  // Lock order: the sweep row first, then the message row; finishDispatch takes the same lock, so whichever of
  // "last message done" and "dispatch finished" commits second sees the other and completes the sweep.
  const [sweep] = await tx`SELECT status FROM drift_sweeps WHERE id = ${sweepId} FOR UPDATE`;
  await tx`
    INSERT INTO drift_sweep_messages AS m (sweep_id, seq, target_count, status, targets_resolved, targets_failed,
      targets_retrying, targets_deferred, drift_new, drift_refreshed, drift_superseded, attempts, done_at)
    VALUES (${sweepId}, ${seq}, ${outcomes.length}, ${retrying > 0 ? "retrying" : "done"}, ${resolvedN}, ${failedN},
      ${retrying}, ${deferredN}, ${drift.new}, ${drift.refreshed}, ${drift.superseded}, 1,
      ${retrying > 0 ? null : new Date().toISOString()}::timestamptz)
    ON CONFLICT (sweep_id, seq) DO UPDATE SET
      status = EXCLUDED.status,
      targets_resolved = m.targets_resolved + EXCLUDED.targets_resolved,
      targets_failed = m.targets_failed + EXCLUDED.targets_failed,
      targets_retrying = EXCLUDED.targets_retrying,
      targets_deferred = m.targets_deferred + EXCLUDED.targets_deferred,
      drift_new = m.drift_new + EXCLUDED.drift_new,
      drift_refreshed = m.drift_refreshed + EXCLUDED.drift_refreshed,
      drift_superseded = m.drift_superseded + EXCLUDED.drift_superseded,
      attempts = m.attempts + 1,
      done_at = coalesce(m.done_at, EXCLUDED.done_at)`;
  const completion = sweep ? await completeIfDone(tx, sweepId) : { completed: false, durationMs: 0 };
  return {
    drift: { new: drift.new, refreshed: drift.refreshed, superseded: drift.superseded },
    ...(completion.completed ? { sweepCompleted: { durationMs: completion.durationMs } } : {}),
  };
}

/** Marks a dispatched sweep completed when none of its messages is outstanding. Caller holds the sweep row lock. */
async function completeIfDone(tx: Sql, sweepId: string): Promise<{ completed: boolean; durationMs: number }> {
  const [row] = await tx<{ duration_ms: number }[]>`
    UPDATE drift_sweeps s SET status = 'completed', completed_at = now()
    WHERE s.id = ${sweepId} AND s.status = 'dispatched'
      AND NOT EXISTS (SELECT 1 FROM drift_sweep_messages m WHERE m.sweep_id = s.id AND m.status <> 'done')
    RETURNING (extract(epoch FROM (now() - s.started_at)) * 1000)::float8 AS duration_ms`;
  return row
    ? { completed: true, durationMs: Math.round(row.duration_ms) }
    : { completed: false, durationMs: 0 };
}
