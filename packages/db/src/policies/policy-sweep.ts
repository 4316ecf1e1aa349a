import { type AutoApplyRow, isTrustDowngrade, type PolicyStore, type Trust } from "@drift/core/model";
import type { Sql } from "../client";
import { pendingOfTargets } from "../queue/pending-of-targets";
import { inRollout } from "../rollouts/in-rollout";
import { recordTrustDowngrades, TRUST_COLUMNS } from "../trust/trust-downgrades";
import { EFFECTIVE_POLICY } from "./policy-store";

/**
 * The SQL of what policies do during a sweep: cooling down (`ready_at`) and the rows auto-apply may take, for the
 * pending rows of the targets a message just recorded. Set-based per message.
 */

/**
 * Sets `ready_at` of the pending rows of these targets: the drift's date plus the most specific policy's
 * `min_release_age`, else the default. The date is one the host or this sweeper vouches for, never one the
 * repository's author wrote (CONTRACT "policies"): the publication of an immutable release of the tag, else the
 * commit's first sighting by this sweeper (drift_commit_sightings; if somehow missing, when the row last changed:
 * a later bound, so never early). Tagger and committer dates are never used. NULL when no age applies and for
 * `tag_moved` (an alarm, not a release).
 * Idempotent: only rows whose value changes are written.
 */
export async function refreshReadyAt(
  sql: Sql,
  targetKeys: readonly string[],
  defaultAgeMs: number,
): Promise<void> {
  if (targetKeys.length === 0) return;
  // The rows whose value changes are found first (usually none), then updated by primary key: joined directly, the
  // update was planned as a hash of the whole queue, per message.
  await sql`
    WITH x AS MATERIALIZED (
      SELECT id, ready_at FROM (
        SELECT q.id, q.ready_at AS was, CASE WHEN q.drift_kind = 'tag_moved'
            OR coalesce(pol.min_release_age_ms, ${defaultAgeMs}) = 0 THEN NULL
          ELSE coalesce(CASE WHEN p.release->>'immutable' = 'true' THEN drift_timestamptz(p.release->>'published_at') END,
                        s.first_seen_at, q.updated_at)
               + make_interval(secs => coalesce(pol.min_release_age_ms, ${defaultAgeMs}) / 1000.0) END AS ready_at
        FROM ${pendingOfTargets(sql, targetKeys)}
        LEFT JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
        LEFT JOIN drift_commit_sightings s
          ON s.repo_key = split_part(q.target_key, '#', 1) AND s.commit_sha = lower(q.latest_sha)
        LEFT JOIN LATERAL (${sql.unsafe(EFFECTIVE_POLICY)}) pol ON true
      ) c
      WHERE was IS DISTINCT FROM ready_at
    )
    UPDATE plugin_update_queue u SET ready_at = x.ready_at FROM x
    WHERE u.id = ANY(ARRAY(SELECT id FROM x)) AND u.id = x.id AND u.ready_at IS DISTINCT FROM x.ready_at`;
}

/** New and refreshed pending rows of this transaction, by drift kind (call inside the drift transaction). */
export async function driftByKind(tx: Sql, targetKeys: readonly string[]): Promise<Record<string, number>> {
  if (targetKeys.length === 0) return {};
  const rows = await tx<{ kind: string; n: number }[]>`
    SELECT coalesce(q.drift_kind, 'unknown') AS kind, count(*)::int AS n FROM ${pendingOfTargets(tx, targetKeys)}
    WHERE q.updated_at = now()
    GROUP BY 1`;
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

/**
 * The policy step's SQL as the port `PolicyStore` (the step itself, which applies through the one decision
 * path, is @drift/core createPolicyStep).
 *
 * @example
 * const step = createPolicyStep({ policies: createPolicyStore(sql), decisions, outbox, defaultAgeMs: 0 });
 */
export function createPolicyStore(sql: Sql): PolicyStore {
  return {
    refreshReadyAt: (targetKeys, defaultAgeMs) => refreshReadyAt(sql, targetKeys, defaultAgeMs),
    recordTrustDowngrades: (targetKeys) => recordTrustDowngrades(sql, targetKeys),
    async autoApplyCandidates(targetKeys, now) {
      const rows = await sql<(AutoApplyRow & { previous_trust: Trust | null })[]>`
        SELECT q.id, q.latest_sha, pol.id AS policy_id, pol.auto_apply, pol.require_trust AS require, q.drift_kind,
               p.signature, c.from_version, p.to_version, q.tracked_ref, pol.rollout, q.target_key,
               ${sql.unsafe(TRUST_COLUMNS)}
        FROM ${pendingOfTargets(sql, targetKeys)}
        JOIN LATERAL (${sql.unsafe(EFFECTIVE_POLICY)}) pol ON pol.auto_apply <> 'none'
        JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
        LEFT JOIN drift_review_packets p0 ON p0.target_key = q.target_key AND p0.latest_sha = lower(q.current_sha)
        LEFT JOIN drift_review_compares c ON c.target_key = q.target_key
          AND c.current_sha = lower(q.current_sha) AND c.latest_sha = lower(q.latest_sha)
        WHERE q.drift_kind IN ('new_version', 'ref_moved') AND p.signature IN ('valid', 'unsigned')
          AND (q.ready_at IS NULL OR q.ready_at <= ${now}) AND NOT ${inRollout(sql)}
        ORDER BY q.id`;
      return rows.map(({ previous_trust, ...row }) => ({
        ...row,
        trust_downgrade: isTrustDowngrade(previous_trust, row.trust ?? null),
      }));
    },
    async countCoolingDown(targetKeys, now) {
      const [cooling] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM ${pendingOfTargets(sql, targetKeys)} WHERE q.ready_at > ${now}`;
      return cooling?.n ?? 0;
    },
  };
}
