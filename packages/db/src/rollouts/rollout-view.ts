import {
  parseSource,
  type RolloutStatus,
  type RolloutView,
  repositoryOf,
  type WaveView,
  type WebBases,
} from "@drift/core/model";
import type { Sql } from "../client";

/** Rollouts as `GET /admin/rollouts[/{id}]`, `drift rollout list|show` and the page show them. */

interface RawRollout {
  id: string;
  status: RolloutStatus;
  latest_sha: string;
  tracked_ref: string;
  source_raw: string | null;
  created_by: string;
  reason: string | null;
  max_failures: number;
  rollback_on_halt: boolean;
  created_at: Date;
  ended_at: Date | null;
  next_due_at: Date | null;
  plugin_names: string[];
  applied_ids: string[];
  ok: number;
  failed: number;
  waves: {
    size: string;
    soak: string;
    started_at: string | null;
    rows: number;
    applied: number;
    failed: number;
    left: number;
    rolled_back: number;
  }[];
}

/**
 * One query for the rollouts and their waves. A waiting row whose queue row moved on (another commit, decided by
 * someone else) counts as `left` at once, before the next tick marks it so.
 */
const SELECT = (sql: Sql) => sql`
  SELECT r.id, r.status, r.latest_sha, r.tracked_ref, r.source_raw, r.created_by, r.reason, r.max_failures,
         r.rollback_on_halt, r.created_at, r.ended_at, r.next_due_at,
         (SELECT coalesce(array_agg(DISTINCT x.plugin_name), '{}') FROM drift_rollout_rows x WHERE x.rollout_id = r.id)
           AS plugin_names,
         (SELECT coalesce(array_agg(x.queue_id::text ORDER BY x.position), '{}') FROM drift_rollout_rows x
           JOIN plugin_update_queue q ON q.id = x.queue_id
           WHERE x.rollout_id = r.id AND x.state = 'applied' AND q.status = 'applied') AS applied_ids,
         (SELECT count(*) FILTER (WHERE x.health = 'ok')::int FROM drift_rollout_rows x WHERE x.rollout_id = r.id) AS ok,
         (SELECT count(*) FILTER (WHERE x.health = 'failed')::int FROM drift_rollout_rows x WHERE x.rollout_id = r.id)
           AS failed,
         (SELECT coalesce(json_agg(json_build_object('size', w.size, 'soak', w.soak, 'started_at', w.started_at,
                    'rows', c.rows, 'applied', c.applied, 'failed', c.failed, 'left', c.left,
                    'rolled_back', c.rolled_back) ORDER BY w.idx), '[]')
          FROM drift_rollout_waves w
          CROSS JOIN LATERAL (
            SELECT count(*)::int AS rows,
                   count(*) FILTER (WHERE x.state IN ('applied', 'rolled_back'))::int AS applied,
                   count(*) FILTER (WHERE x.health = 'failed')::int AS failed,
                   count(*) FILTER (WHERE x.state = 'left' OR (x.state = 'waiting' AND (q.id IS NULL
                     OR lower(q.latest_sha) <> r.latest_sha OR (q.status <> 'pending'
                     AND q.decided_by IS DISTINCT FROM 'rollout:' || r.id::text))))::int AS left,
                   count(*) FILTER (WHERE x.state = 'rolled_back')::int AS rolled_back
            FROM drift_rollout_rows x LEFT JOIN plugin_update_queue q ON q.id = x.queue_id
            WHERE x.rollout_id = w.rollout_id AND x.wave = w.idx) c
          WHERE w.rollout_id = r.id) AS waves
  FROM drift_rollouts r`;

function waveStatus(raw: RawRollout, i: number, now: Date): WaveView["status"] {
  const wave = raw.waves[i];
  const active = raw.status === "running" || raw.status === "paused";
  if (!wave?.started_at) return active ? "waiting" : "stopped";
  const lastStarted = !raw.waves[i + 1]?.started_at;
  if (lastStarted && active && raw.next_due_at && raw.next_due_at > now) return "soaking";
  return "done";
}

function toView(raw: RawRollout, now: Date, bases: WebBases): RolloutView {
  const parsed = parseSource(raw.source_raw);
  const active = raw.status === "running" || raw.status === "paused";
  return {
    id: raw.id,
    status: raw.status,
    latest_sha: raw.latest_sha,
    repository: repositoryOf(parsed.status === "ok" ? parsed.value : null, null, bases),
    tracked_ref: raw.tracked_ref,
    waves: raw.waves.map((w, i) => ({
      size: /^\d+$/.test(w.size) ? Number(w.size) : w.size,
      soak: w.soak,
      status: waveStatus(raw, i, now),
      started_at: w.started_at ? new Date(w.started_at) : null,
      rows: w.rows,
      applied: w.applied,
      failed: w.failed,
      left: w.left,
      rolled_back: w.rolled_back,
    })),
    reports: { ok: raw.ok, failed: raw.failed },
    created_by: raw.created_by,
    reason: raw.reason,
    source_raw: raw.source_raw,
    plugin_names: raw.plugin_names,
    max_failures: raw.max_failures,
    rollback_on_halt: raw.rollback_on_halt,
    created_at: raw.created_at,
    ended_at: raw.ended_at,
    next_wave_at: active ? raw.next_due_at : null,
    soak_remaining_ms:
      active && raw.next_due_at ? Math.max(0, raw.next_due_at.getTime() - now.getTime()) : null,
    applied_ids: raw.applied_ids,
  };
}

export async function getRollout(sql: Sql, id: string, now: Date, bases: WebBases = {}) {
  const [raw] = await sql<RawRollout[]>`${SELECT(sql)} WHERE r.id = ${id}::uuid`;
  return raw ? toView(raw, now, bases) : null;
}

/** Newest first, at most 200 (running and paused ones first when unfiltered). */
export async function listRollouts(
  sql: Sql,
  status: RolloutStatus | undefined,
  now: Date,
  bases: WebBases = {},
) {
  const rows = await sql<RawRollout[]>`${SELECT(sql)}
    WHERE ${status ?? null}::text IS NULL OR r.status = ${status ?? null}
    ORDER BY r.status IN ('running', 'paused') DESC, r.created_at DESC, r.id DESC LIMIT 200`;
  return rows.map((raw) => toView(raw, now, bases));
}
