import {
  type DispatchCounts,
  makeTarget,
  parseTrackedRef,
  type RecordedMessage,
  type StartSweepResult,
  type SweepStore,
  type Target,
  type TargetOutcome,
  type TargetState,
} from "@drift/core";
import type { Sql } from "./client";
import { applyDrift } from "./drift-store";
import { createRowPager, finishMapping, recordMappings } from "./mapping-store";

/**
 * Text from outside (a server's error message, a tag, an ETag) made storable: Postgres text cannot hold NUL, and
 * one such byte would roll back the whole message's transaction, every hour. Also bounds the length.
 */
export function pgText(value: string | null | undefined, max = 1000): string | null {
  if (value == null) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing NUL is the point
  return value.replace(/\u0000/g, "\uFFFD").slice(0, max);
}

/** A sweep still "dispatching" after this long crashed; one "dispatched" this long ago will not complete. */
const STALE_DISPATCHING = "30 minutes";
const STALE_DISPATCHED = "6 hours";

/**
 * The Postgres implementation of the sweep flow's store port. `mappingListCap`: see createRowPager (tests lower
 * it to exercise the keyset scan).
 */
export function createSweepStore(sql: Sql, options: { mappingListCap?: number } = {}): SweepStore {
  const pagePluginRows = createRowPager(sql, options.mappingListCap);
  return {
    async startSweep(trigger, minIntervalMs): Promise<StartSweepResult> {
      await sql`UPDATE drift_sweeps SET status = 'abandoned', completed_at = now()
        WHERE (status = 'dispatching' AND started_at < now() - ${STALE_DISPATCHING}::interval)
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
      const [other] = await sql<{ id: string; status: string }[]>`
        SELECT id, status FROM drift_sweeps WHERE status IN ('dispatching', 'dispatched', 'completed')
        ORDER BY started_at DESC LIMIT 1`;
      return {
        started: false,
        reason: other?.status === "dispatching" ? "another sweep is dispatching" : "a sweep started recently",
        otherSweepId: other?.id,
      };
    },

    pagePluginRows,
    recordMappings: (page) => recordMappings(sql, page),
    finishMapping: (wrote) => finishMapping(sql, wrote),

    async pageDueTargets(afterKey, limit): Promise<Target[]> {
      const rows = await sql<
        {
          key: string;
          provider: "github" | "gitea";
          host: string;
          owner: string;
          repo: string;
          tracked_ref: string;
        }[]
      >`
        SELECT key, provider, host, owner, repo, tracked_ref FROM drift_targets t
        WHERE t.next_check_at <= now() AND (${afterKey}::text IS NULL OR t.key > ${afterKey}::text)
          AND EXISTS (SELECT 1 FROM drift_plugin_targets m WHERE m.target_key = t.key)
        ORDER BY t.key LIMIT ${limit}`;
      const targets: Target[] = [];
      for (const r of rows) {
        const ref = parseTrackedRef(r.tracked_ref);
        // Rows come from our own mapping pass, so they parse; a hand-edited bad row is ignored, not fatal.
        if (ref.status === "ok") targets.push(makeTarget(r, ref.value));
      }
      return targets;
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

    async loadTargetState(keys) {
      const rows = await sql<
        {
          key: string;
          last_sha: string | null;
          last_tag: string | null;
          etag: string | null;
          last_sweep_id: string | null;
          last_attempt_sweep_id: string | null;
          consecutive_failures: number;
        }[]
      >`SELECT key, last_sha, last_tag, etag, last_sweep_id, last_attempt_sweep_id, consecutive_failures
        FROM drift_targets WHERE key = ANY(${[...keys]}::text[])`;
      return new Map<string, TargetState>(
        rows.map((r) => [
          r.key,
          {
            sha: r.last_sha,
            tag: r.last_tag,
            etag: r.etag,
            lastSweepId: r.last_sweep_id,
            lastAttemptSweepId: r.last_attempt_sweep_id,
            consecutiveFailures: r.consecutive_failures,
          },
        ]),
      );
    },

    recordOutcomes: (sweepId, seq, outcomes, options) =>
      sql.begin((tx) => recordOutcomes(tx as unknown as Sql, sweepId, seq, outcomes, options)),
  };
}

async function recordOutcomes(
  tx: Sql,
  sweepId: string,
  seq: number,
  outcomes: readonly TargetOutcome[],
  options: { final: boolean; retrying: number },
): Promise<RecordedMessage> {
  const resolved = outcomes.flatMap((o) =>
    o.resolution.status === "resolved"
      ? [{ key: o.target.key, sha: o.resolution.sha, tag: pgText(o.resolution.tag) }]
      : [],
  );
  const drift = await applyDrift(tx, resolved, sweepId);

  if (outcomes.length > 0) {
    const col = <T>(f: (o: TargetOutcome) => T) => outcomes.map(f);
    const ok = (o: TargetOutcome) => o.resolution.status === "resolved";
    await tx`
      UPDATE drift_targets t SET
        last_sha = CASE WHEN u.ok THEN u.sha ELSE t.last_sha END,
        last_tag = CASE WHEN u.ok THEN u.tag ELSE t.last_tag END,
        -- The ETag always stands for last_sha: a resolution without one (GraphQL) clears it, or a later 304
        -- would hand back a SHA the ETag never described.
        etag = CASE WHEN u.ok THEN u.etag ELSE t.etag END,
        last_error_kind = CASE WHEN u.ok THEN NULL WHEN u.kind = 'deferred' THEN t.last_error_kind ELSE u.kind END,
        last_error = CASE WHEN u.ok THEN NULL WHEN u.kind = 'deferred' THEN t.last_error ELSE u.msg END,
        consecutive_failures = u.failures,
        next_check_at = coalesce(u.next_check_at, now()),
        last_checked_at = now(),
        last_resolved_at = CASE WHEN u.ok THEN now() ELSE t.last_resolved_at END,
        last_sweep_id = CASE WHEN u.finished THEN ${sweepId}::uuid ELSE t.last_sweep_id END,
        last_attempt_sweep_id = ${sweepId}::uuid,
        updated_at = now()
      FROM unnest(
        ${col((o) => o.target.key)}::text[], ${col((o) => String(ok(o)))}::text[]::bool[],
        ${col((o) => (o.resolution.status === "resolved" ? o.resolution.sha.toLowerCase() : null))}::text[],
        ${col((o) => (o.resolution.status === "resolved" ? pgText(o.resolution.tag) : null))}::text[],
        ${col((o) => (o.resolution.status === "resolved" ? pgText(o.resolution.etag) : null))}::text[],
        ${col((o) => (o.resolution.status === "failed" ? o.resolution.kind : null))}::text[],
        ${col((o) => (o.resolution.status === "failed" ? pgText(o.resolution.message, 1000) : null))}::text[],
        ${col((o) => o.consecutiveFailures)}::int[],
        ${col((o) => o.nextCheckAt?.toISOString() ?? null)}::timestamptz[],
        ${col((o) => String(o.finished))}::text[]::bool[]
      ) AS u(key, ok, sha, tag, etag, kind, msg, failures, next_check_at, finished)
      WHERE t.key = u.key`;
  }

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
