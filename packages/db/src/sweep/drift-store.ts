import type { Sql } from "../client";
import type { DriftGroup } from "../notifications/notify-events-writer";

/** A target resolved to a commit in this sweep. */
export interface ResolvedTarget {
  readonly key: string;
  /** Full commit SHA (any case). */
  readonly sha: string;
  /** The tag chosen for tag:latest / semver targets. */
  readonly tag?: string | null;
}

/** What one drift upsert did. */
export interface DriftCounts {
  /** Pending rows inserted. */
  readonly new: number;
  /** Pending rows whose latest (or current) SHA was replaced by a newer one. */
  readonly refreshed: number;
  /** Pending rows whose drift went away without an apply. */
  readonly superseded: number;
  /**
   * Followed plugins read and judged in this call (drifted or not): the candidates whose mapping is not in sync with
   * the answer, or that hold a pending row.
   */
  readonly compared: number;
  /** The drift groups opened or refreshed, when a subscription asks for drift.detected (notifications). */
  readonly groups?: readonly DriftGroup[];
}

export const NO_DRIFT: DriftCounts = { new: 0, refreshed: 0, superseded: 0, compared: 0 };

/**
 * Applies the platform's drift semantics (docs/contracts.md) for a batch of resolved targets in ONE statement, whatever the number of
 * targets or of plugins that follow them:
 * - a plugin whose installed commit differs from the resolved one gets a pending row (inserted, or refreshed when
 *   its latest/current SHA changed; left alone when equal, so replays change nothing);
 * - a plugin back in sync has its pending row superseded;
 * - a dismissal holds: while a `dismissed` row of the same (plugin, current_sha, latest_sha) is in force
 *   (`hold_until` NULL or in the future), that drift opens no pending row; another latest or installed SHA does.
 *   A `rolled_back` row holds its drift the same way (its `hold_until` is NULL).
 * The partial unique index `plugin_update_queue_pending_unique` is the ON CONFLICT arbiter, named through its
 * predicate (the Go sweeper this project replaces omitted the predicate, which Postgres rejects).
 *
 * Only what can have changed is compared: every follower of a target whose commit (or tag) differs from its
 * previous resolution, and for the others only the plugins (re)mapped since then (the mapping pass remaps a row
 * whose source_raw, tracked_ref or installed_sha changed). A sweep with nothing changed compares and writes no
 * plugin; a follower whose dismissal hold has run out since is compared again. Of those candidates, only the ones
 * the mapping does not show in sync, or that hold a pending row, are read from workspace_plugins (a first sweep
 * over a million plugins reads the drifted ones, not all of them). Matching joins on the mapping's source_raw/tracked_ref, so a row the platform changed after mapping is
 * left for the next sweep rather than judged against the wrong target. installed_sha is re-checked here (7–64 hex):
 * it may have changed since mapping. An abbreviated SHA matches the full SHA it prefixes (case-insensitive).
 */
export async function applyDrift(
  sql: Sql,
  resolved: readonly ResolvedTarget[],
  sweepId: string | null = null,
): Promise<DriftCounts> {
  // size: one SQL statement (the set-based upsert is the point); its CTEs read in order, each commented.
  if (resolved.length === 0) return NO_DRIFT;
  const [row] = await sql<(DriftCounts & { groups: DriftGroup[] | null })[]>`
    WITH resolved AS (
      SELECT DISTINCT ON (target_key) target_key, lower(sha) AS sha, tag
      FROM unnest(${resolved.map((r) => r.key)}::text[], ${resolved.map((r) => r.sha)}::text[],
                  ${resolved.map((r) => r.tag ?? null)}::text[]) AS r(target_key, sha, tag)
    ),
    -- What the previous resolution said (drift_targets is updated after this statement, in the same transaction).
    judged AS (
      SELECT r.*, (t.last_resolved_at IS NULL OR r.sha IS DISTINCT FROM lower(t.last_sha)
                   OR r.tag IS DISTINCT FROM t.last_tag) AS moved, t.last_resolved_at
      FROM resolved r LEFT JOIN drift_targets t ON t.key = r.target_key
    ),
    -- Every follower of a target whose answer changed; of the others, only the followers (re)mapped since the
    -- target was last resolved (a new row, a re-point, a changed installed_sha): the rest were compared then,
    -- against the same answer, and nothing they are judged on has changed.
    candidates AS (
      SELECT j.sha, j.tag, m.* FROM judged j JOIN drift_plugin_targets m ON m.target_key = j.target_key
      WHERE j.moved
      UNION ALL
      SELECT j.sha, j.tag, m.* FROM judged j
      JOIN drift_plugin_targets m ON m.target_key = j.target_key AND m.mapped_at >= j.last_resolved_at
      WHERE NOT j.moved
      UNION ALL
      -- And the followers whose dismissal hold ran out since their target was last resolved: the hold kept their
      -- drift out then, and nothing else would bring it back. Driven from the few expired holds (their index); the
      -- bound is the batch's earliest resolution less 10 minutes of clock skew between the database and the
      -- function that stamped it (judging a plugin once more than needed changes nothing).
      SELECT j.sha, j.tag, m.* FROM (
        SELECT DISTINCT wp.id FROM plugin_update_queue d
        JOIN workspace_plugins wp ON wp.workspace_id = d.workspace_id AND wp.plugin_name = d.plugin_name
        WHERE d.status = 'dismissed' AND d.hold_until <= now()
          AND d.hold_until > (SELECT min(last_resolved_at) FROM judged WHERE NOT moved) - interval '10 minutes'
      ) e
      JOIN drift_plugin_targets m ON m.plugin_id = e.id
      JOIN judged j ON j.target_key = m.target_key
      WHERE NOT j.moved AND m.mapped_at < j.last_resolved_at
    ),
    -- The plugins holding a pending row for these targets (or for no recorded target: rows older than target_key).
    -- Driven from the targets through the by-target index (OFFSET 0 keeps the lateral from being flattened: with
    -- the queue's statistics behind its growth, the join was planned from every pending row of the queue).
    pending AS MATERIALIZED (
      SELECT wp.id FROM judged j
      CROSS JOIN LATERAL (SELECT x.workspace_id, x.plugin_name FROM plugin_update_queue x
        WHERE x.target_key = j.target_key AND x.status = 'pending' OFFSET 0) q
      JOIN workspace_plugins wp ON wp.workspace_id = q.workspace_id AND wp.plugin_name = q.plugin_name
      UNION
      SELECT wp.id FROM plugin_update_queue q
      JOIN workspace_plugins wp ON wp.workspace_id = q.workspace_id AND wp.plugin_name = q.plugin_name
      WHERE q.status = 'pending' AND q.target_key IS NULL
    ),
    -- Only candidates with something to do are read: those the mapping does not show in sync with the answer (its
    -- installed_sha is the row's when it was mapped), and those holding a pending row (it may be superseded). A
    -- candidate in sync on its mapping and without a pending row needs nothing; if its row changed since, the next
    -- mapping pass remaps it and the next sweep compares it (as for a row re-pointed between dispatch and worker).
    -- (Materialized, so the probes below run for these only: inlined, the planner probed every candidate first.
    -- A join on the materialized pending set: as IN (SELECT …) under the OR it was planned, with a small estimate,
    -- as a subplan run again for every candidate.)
    to_read AS MATERIALIZED (
      SELECT c.* FROM candidates c LEFT JOIN pending p ON p.id = c.plugin_id
      WHERE NOT (starts_with(c.sha, lower(c.installed_sha)) OR starts_with(lower(c.installed_sha), c.sha))
         OR p.id IS NOT NULL
    ),
    compared AS (
      SELECT wp.workspace_id, wp.plugin_name, wp.source_raw, wp.tracked_ref, wp.installed_sha, m.sha, m.tag, m.drift_kind,
             m.target_key,
             (starts_with(m.sha, lower(wp.installed_sha)) OR starts_with(lower(wp.installed_sha), m.sha)) AS in_sync
      FROM to_read m
      -- One primary-key probe per candidate (LIMIT 1 keeps the lateral from being flattened into a hash join that
      -- reads the whole table for a few hundred candidates: seconds per message at a million rows).
      CROSS JOIN LATERAL (SELECT * FROM workspace_plugins x WHERE x.id = m.plugin_id LIMIT 1) wp
      WHERE wp.source_raw = m.source_raw AND wp.tracked_ref = m.tracked_ref
        -- Not '{7,64}': PostgreSQL's regex engine expands a counted repetition, 30x slower per row than this.
        AND length(wp.installed_sha) BETWEEN 7 AND 64 AND wp.installed_sha ~ '^[0-9A-Fa-f]+$'
    ),
    -- A dismissal in force of this very drift (same installed and latest commit) holds it: no pending row. So does
    -- a rollback of it (no apply → rollback → re-queue loop), until upstream moves on.
    verdicts AS (
      SELECT c.*, (NOT c.in_sync AND EXISTS (
        SELECT 1 FROM plugin_update_queue d
        WHERE d.workspace_id = c.workspace_id AND d.plugin_name = c.plugin_name
          AND d.status IN ('dismissed', 'rolled_back')
          AND lower(d.current_sha) = lower(c.installed_sha) AND lower(d.latest_sha) = c.sha
          AND (d.hold_until IS NULL OR d.hold_until > now())
      )) AS held
      FROM compared c
    ),
    upserted AS (
      INSERT INTO plugin_update_queue AS q
        (workspace_id, plugin_name, source_raw, tracked_ref, current_sha, latest_sha, drift_kind, resolved_tag, sweep_id,
         target_key)
      SELECT workspace_id, plugin_name, source_raw, tracked_ref, installed_sha, sha, drift_kind, tag, ${sweepId}::uuid,
             target_key
      FROM verdicts WHERE NOT in_sync AND NOT held
      ON CONFLICT (workspace_id, plugin_name) WHERE status = 'pending'
      DO UPDATE SET latest_sha = EXCLUDED.latest_sha, current_sha = EXCLUDED.current_sha,
        source_raw = EXCLUDED.source_raw, tracked_ref = EXCLUDED.tracked_ref, drift_kind = EXCLUDED.drift_kind,
        resolved_tag = EXCLUDED.resolved_tag, sweep_id = EXCLUDED.sweep_id, target_key = EXCLUDED.target_key,
        updated_at = now()
      WHERE lower(q.latest_sha) <> lower(EXCLUDED.latest_sha) OR lower(q.current_sha) <> lower(EXCLUDED.current_sha)
         OR q.tracked_ref <> EXCLUDED.tracked_ref OR q.source_raw IS DISTINCT FROM EXCLUDED.source_raw
      RETURNING (xmax = 0) AS inserted, q.target_key, q.source_raw, q.tracked_ref, q.drift_kind, q.current_sha,
        q.latest_sha, q.resolved_tag, q.workspace_id, q.plugin_name
    ),
    -- Driven from the compared rows through the pending index (LIMIT 1 keeps the lateral from being flattened):
    -- the queue grows during a sweep faster than its statistics, and a plan scanning it once per compared row
    -- took minutes at a million plugins.
    -- A pending row whose drift is now held (upstream went back to a dismissed commit) is superseded as well.
    superseded AS (
      UPDATE plugin_update_queue q SET status = 'superseded', decided_at = now(), updated_at = now()
      FROM (
        SELECT p.id FROM verdicts c
        CROSS JOIN LATERAL (
          SELECT x.id FROM plugin_update_queue x
          WHERE x.workspace_id = c.workspace_id AND x.plugin_name = c.plugin_name AND x.status = 'pending'
          LIMIT 1
        ) p
        WHERE c.in_sync OR c.held
      ) s
      WHERE q.id = s.id
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM upserted WHERE inserted)::int AS new,
           (SELECT count(*) FROM upserted WHERE NOT inserted)::int AS refreshed,
           (SELECT count(*) FROM superseded)::int AS superseded,
           (SELECT count(*) FROM compared)::int AS compared,
           -- The drift groups of this statement, for notifications (only when a subscription asks for them).
           (SELECT json_agg(g) FROM (
              SELECT u.target_key, min(u.source_raw) AS source_raw, u.tracked_ref, min(u.drift_kind) AS drift_kind,
                     lower(u.current_sha) AS from_sha, lower(u.latest_sha) AS to_sha,
                     min(u.resolved_tag) AS to_version, count(*)::int AS count,
                     (array_agg(u.workspace_id ORDER BY u.workspace_id))[1:50] AS workspace_ids,
                     (array_agg(DISTINCT u.plugin_name))[1:10] AS plugin_names
              FROM upserted u
              WHERE EXISTS (SELECT 1 FROM drift_notification_subscriptions WHERE 'drift.detected' = ANY(events))
              GROUP BY u.target_key, u.tracked_ref, lower(u.current_sha), lower(u.latest_sha)) g) AS groups`;
  if (!row) return NO_DRIFT;
  const { groups, ...counts } = row;
  return groups?.length ? { ...counts, groups } : counts;
}
