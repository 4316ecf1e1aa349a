import type postgres from "postgres";
import type { Sql } from "../client";

/** Read-only reports for operators (admin API, `drift sweep`): failing targets, the latest sweep run, a sweep's totals. */

/** A target whose last resolution failed. */
export interface FailingTarget {
  readonly key: string;
  readonly provider: string;
  readonly host: string;
  readonly owner: string;
  readonly repo: string;
  readonly tracked_ref: string;
  readonly last_error_kind: string;
  readonly last_error: string | null;
  readonly consecutive_failures: number;
  readonly last_checked_at: Date | null;
  readonly last_resolved_at: Date | null;
  readonly next_check_at: Date | null;
  /** Workspace plugins that follow this target. */
  readonly plugins: number;
}

/**
 * Failing targets, most consecutive failures first, and how many there are in all. With a scope (a workspace),
 * only the targets that workspace's plugins follow, and only its plugins counted.
 */
export async function listFailingTargets(
  sql: Sql,
  options: { limit: number; scope?: string },
): Promise<{ items: FailingTarget[]; total: number }> {
  const { scope } = options;
  const mine = (key: postgres.Fragment) =>
    scope
      ? sql`AND m.plugin_id IN (SELECT w.id FROM workspace_plugins w WHERE w.workspace_id = ${scope}::uuid)
            AND m.target_key = ${key}`
      : sql`AND m.target_key = ${key}`;
  const inScope = scope
    ? sql`AND EXISTS (SELECT 1 FROM drift_plugin_targets m WHERE true ${mine(sql`t.key`)})`
    : sql``;
  const items = await sql<FailingTarget[]>`
    SELECT t.key, t.provider, t.host, t.owner, t.repo, t.tracked_ref, t.last_error_kind, t.last_error,
           t.consecutive_failures, t.last_checked_at, t.last_resolved_at,
           CASE WHEN isfinite(t.next_check_at) THEN t.next_check_at END AS next_check_at,
           (SELECT count(*) FROM drift_plugin_targets m WHERE true ${mine(sql`t.key`)})::int AS plugins
    FROM drift_targets t WHERE t.last_error_kind IS NOT NULL ${inScope}
    ORDER BY t.consecutive_failures DESC, t.key
    LIMIT ${options.limit}`;
  const [count] = await sql<{ total: number }[]>`
    SELECT count(*)::int AS total FROM drift_targets t WHERE t.last_error_kind IS NOT NULL ${inScope}`;
  return { items, total: count?.total ?? 0 };
}

/** The latest sweep run with its per-message counters summed. */
export interface SweepSummary {
  readonly id: string;
  readonly status: string;
  readonly trigger: string;
  readonly started_at: Date;
  readonly dispatched_at: Date | null;
  readonly completed_at: Date | null;
  readonly rows_scanned: number;
  readonly rows_skipped: number;
  readonly rows_invalid: number;
  readonly targets_dispatched: number;
  readonly messages_sent: number;
  readonly error: string | null;
  readonly messages: { readonly total: number; readonly done: number; readonly retrying: number };
  readonly targets: { readonly resolved: number; readonly failed: number; readonly deferred: number };
  readonly drift: { readonly new: number; readonly refreshed: number; readonly superseded: number };
}

/** The most recently started sweep, or null when none has run. */
export async function latestSweepSummary(sql: Sql): Promise<SweepSummary | null> {
  const [row] = await sql`
    SELECT s.id, s.status, s.trigger, s.started_at, s.dispatched_at, s.completed_at, s.rows_scanned,
           s.rows_skipped, s.rows_invalid, s.targets_dispatched, s.messages_sent, s.error, s.drift_superseded,
           count(m.seq)::int AS messages_total,
           count(m.seq) FILTER (WHERE m.status = 'done')::int AS messages_done,
           count(m.seq) FILTER (WHERE m.status = 'retrying')::int AS messages_retrying,
           coalesce(sum(m.targets_resolved), 0)::int AS targets_resolved,
           coalesce(sum(m.targets_failed), 0)::int AS targets_failed,
           coalesce(sum(m.targets_deferred), 0)::int AS targets_deferred,
           coalesce(sum(m.drift_new), 0)::int AS drift_new,
           coalesce(sum(m.drift_refreshed), 0)::int AS drift_refreshed,
           (s.drift_superseded + coalesce(sum(m.drift_superseded), 0))::int AS drift_superseded
    FROM (SELECT * FROM drift_sweeps ORDER BY started_at DESC, id DESC LIMIT 1) s
    LEFT JOIN drift_sweep_messages m ON m.sweep_id = s.id
    GROUP BY s.id, s.status, s.trigger, s.started_at, s.dispatched_at, s.completed_at, s.rows_scanned,
             s.rows_skipped, s.rows_invalid, s.targets_dispatched, s.messages_sent, s.error, s.drift_superseded`;
  if (!row) return null;
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    started_at: row.started_at,
    dispatched_at: row.dispatched_at,
    completed_at: row.completed_at,
    rows_scanned: row.rows_scanned,
    rows_skipped: row.rows_skipped,
    rows_invalid: row.rows_invalid,
    targets_dispatched: row.targets_dispatched,
    messages_sent: row.messages_sent,
    error: row.error,
    messages: { total: row.messages_total, done: row.messages_done, retrying: row.messages_retrying },
    targets: { resolved: row.targets_resolved, failed: row.targets_failed, deferred: row.targets_deferred },
    drift: { new: row.drift_new, refreshed: row.drift_refreshed, superseded: row.drift_superseded },
  };
}

/** One sweep's totals as `drift sweep` reports them (its counters plus the sum of its messages'). */
export interface SweepTotals {
  readonly status: string;
  readonly rows_scanned: number;
  readonly rows_skipped: number;
  readonly rows_invalid: number;
  readonly targets_dispatched: number;
  readonly messages_sent: number;
  readonly resolved: number;
  /** Failed for good, or still retrying when their message stopped: each target once. */
  readonly failed: number;
  /** Of which still retrying (their message was dead-lettered before its last attempt). */
  readonly retrying: number;
  readonly deferred: number;
  readonly new: number;
  readonly refreshed: number;
  readonly superseded: number;
  /** Pending updates now (all of them, not only this sweep's). */
  readonly pending: number;
}

/** The totals of sweep `sweepId`, or null when there is no such sweep. */
export async function sweepTotals(sql: Sql, sweepId: string): Promise<SweepTotals | null> {
  const [row] = await sql<SweepTotals[]>`
    SELECT s.status, s.rows_scanned, s.rows_skipped, s.rows_invalid, s.targets_dispatched, s.messages_sent,
      coalesce(sum(m.targets_resolved), 0)::int AS resolved,
      -- Once per target: failed for good, or still retrying when their message stopped (dead-lettered).
      coalesce(sum(m.targets_failed), 0)::int
        + coalesce(sum(m.targets_retrying) FILTER (WHERE m.status <> 'done'), 0)::int AS failed,
      coalesce(sum(m.targets_retrying) FILTER (WHERE m.status <> 'done'), 0)::int AS retrying,
      coalesce(sum(m.targets_deferred), 0)::int AS deferred,
      coalesce(sum(m.drift_new), 0)::int AS new, coalesce(sum(m.drift_refreshed), 0)::int AS refreshed,
      (s.drift_superseded + coalesce(sum(m.drift_superseded), 0))::int AS superseded,
      (SELECT count(*)::int FROM plugin_update_queue WHERE status = 'pending') AS pending
    FROM drift_sweeps s LEFT JOIN drift_sweep_messages m ON m.sweep_id = s.id
    WHERE s.id = ${sweepId} GROUP BY s.id`;
  return row ?? null;
}

/** How many updates are pending now. */
export async function countPendingUpdates(sql: Sql): Promise<number> {
  const [row] = await sql<{ pending: number }[]>`
    SELECT count(*)::int AS pending FROM plugin_update_queue WHERE status = 'pending'`;
  return row?.pending ?? 0;
}
