import {
  makeTarget,
  parseTrackedRef,
  type SweepStore,
  type Target,
  type TargetOutcome,
  type TargetState,
} from "@drift/core/model";
import type { Sql } from "../client";
import { pgText } from "../pg-text";

/** A drift_targets row's identity columns (what `SELECT key, provider, host, owner, repo, tracked_ref` reads). */
export interface TargetRow {
  readonly key: string;
  readonly provider: "github" | "gitea";
  readonly host: string;
  readonly owner: string;
  readonly repo: string;
  readonly tracked_ref: string;
}

/**
 * Targets of drift_targets rows. The rows come from our own mapping pass, so they parse; a hand-edited bad row is
 * ignored, not fatal.
 */
export function targetsOf(rows: readonly TargetRow[]): Target[] {
  const targets: Target[] = [];
  for (const r of rows) {
    const ref = parseTrackedRef(r.tracked_ref);
    if (ref.status === "ok") targets.push(makeTarget(r, ref.value));
  }
  return targets;
}

/** The target-state SQL: which targets are due, and each one's last SHA, ETag, backoff and last sweep. */
export type TargetStateStore = Pick<SweepStore, "pageDueTargets" | "loadTargetState">;

/** The Postgres implementation of target state reads (drift_targets). */
export function createTargetStateStore(sql: Sql): TargetStateStore {
  return {
    async pageDueTargets(afterKey, limit): Promise<Target[]> {
      const rows = await sql<TargetRow[]>`
        SELECT key, provider, host, owner, repo, tracked_ref FROM drift_targets t
        WHERE t.next_check_at <= now() AND (${afterKey}::text IS NULL OR t.key > ${afterKey}::text)
          AND EXISTS (SELECT 1 FROM drift_plugin_targets m WHERE m.target_key = t.key)
        ORDER BY t.key LIMIT ${limit}`;
      return targetsOf(rows);
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
  };
}

/**
 * Writes each outcome into its target row: SHA, tag and ETag on success, error and backoff on failure, and the
 * sweep that finished it. Runs inside the caller's transaction. Returns the keys this call finished for the sweep
 * (not those a concurrent duplicate delivery of the same message finished first: they count once).
 */
export async function updateTargetStates(
  tx: Sql,
  sweepId: string,
  outcomes: readonly TargetOutcome[],
): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  const col = <T>(f: (o: TargetOutcome) => T) => outcomes.map(f);
  const ok = (o: TargetOutcome) => o.resolution.status === "resolved";
  const rows = await tx<{ key: string; newly: boolean }[]>`
    WITH u AS (
      SELECT * FROM unnest(
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
    ),
    -- Locked first: a duplicate delivery committing meanwhile is seen here, after its commit.
    prior AS (SELECT t.key, t.last_sweep_id FROM drift_targets t JOIN u USING (key) FOR UPDATE OF t)
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
    FROM u JOIN prior p USING (key)
    WHERE t.key = u.key
    RETURNING t.key, (u.finished AND p.last_sweep_id IS DISTINCT FROM ${sweepId}::uuid) AS newly`;
  return new Set(rows.filter((r) => r.newly).map((r) => r.key));
}
