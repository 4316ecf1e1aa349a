import {
  type AutoApply,
  allowsAutoApply,
  isTrustDowngrade,
  type Log,
  type Notifier,
  type PolicyStep,
  type Require,
  silentLog,
  type Trust,
} from "@drift/core";
import type { Sql } from "../client";
import { decide } from "../decisions/decision-store";
import { publishPendingEvents } from "../events/event-outbox";
import { pendingOfTargets } from "../queue/pending-of-targets";
import { recordTrustDowngrades, TRUST_COLUMNS } from "../trust/trust-downgrades";
import { EFFECTIVE_POLICY } from "./policy-store";

/**
 * What policies do during a sweep: cooling down (`ready_at`) and auto-apply, for the pending rows of the targets
 * a message just recorded. Set-based per message; each apply is the one transactional {@link decide}.
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

interface Candidate {
  id: string;
  latest_sha: string;
  policy_id: string;
  auto_apply: AutoApply;
  require: Require;
  drift_kind: string | null;
  signature: string | null;
  from_version: string | null;
  to_version: string | null;
  tracked_ref: string;
  trust: Trust | null;
  previous_trust: Trust | null;
}

export interface PolicyStepOptions {
  /** `DRIFT_MIN_RELEASE_AGE` in milliseconds. */
  readonly defaultAgeMs: number;
  /** Publishes the applied events after commit; without one they wait in the outbox for the next drain. */
  readonly notifier?: Notifier;
  readonly log?: Log;
  /** The clock readiness is judged by (tests inject one). */
  readonly now?: () => Date;
}

/**
 * The post-drift step of a message (after the drift rows and the review packets are stored): refresh `ready_at`
 * now that the packets are known, then apply every ready pending row of these targets that its most specific
 * policy allows, each through {@link decide} (row locks, installed_sha exactly latest_sha, outbox event,
 * `decided_by = policy:<id>`). A row decided meanwhile by someone else simply is not applied again.
 */
export function createPolicyStep(sql: Sql, options: PolicyStepOptions): PolicyStep {
  const log = options.log ?? silentLog;
  return async (targetKeys) => {
    if (targetKeys.length === 0) return { autoApplied: 0, coolingDown: 0 };
    const now = options.now?.() ?? new Date();
    await refreshReadyAt(sql, targetKeys, options.defaultAgeMs);
    const downgrades = await recordTrustDowngrades(sql, targetKeys);
    const keys = targetKeys as string[];
    const candidates = await sql<Candidate[]>`
      SELECT q.id, q.latest_sha, pol.id AS policy_id, pol.auto_apply, pol.require_trust AS require, q.drift_kind,
             p.signature, c.from_version, p.to_version, q.tracked_ref, ${sql.unsafe(TRUST_COLUMNS)}
      FROM ${pendingOfTargets(sql, keys)}
      JOIN LATERAL (${sql.unsafe(EFFECTIVE_POLICY)}) pol ON pol.auto_apply <> 'none'
      JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
      LEFT JOIN drift_review_packets p0 ON p0.target_key = q.target_key AND p0.latest_sha = lower(q.current_sha)
      LEFT JOIN drift_review_compares c ON c.target_key = q.target_key
        AND c.current_sha = lower(q.current_sha) AND c.latest_sha = lower(q.latest_sha)
      WHERE q.drift_kind IN ('new_version', 'ref_moved') AND p.signature IN ('valid', 'unsigned')
        AND (q.ready_at IS NULL OR q.ready_at <= ${now})
      ORDER BY q.id`;
    let autoApplied = 0;
    for (const row of candidates) {
      const trustDowngrade = isTrustDowngrade(row.previous_trust, row.trust);
      if (!allowsAutoApply(row.auto_apply, { ...row, trust_downgrade: trustDowngrade }, row.require))
        continue;
      const outcome = await decide(sql, row.id, "apply", {
        decidedBy: `policy:${row.policy_id}`,
        expectedLatestSha: row.latest_sha,
        now,
      });
      if (outcome.kind === "applied") {
        autoApplied++;
        log.info("plugin update auto-applied", { ...outcome.event, policy_id: row.policy_id });
      } else if (outcome.kind === "conflict") {
        log.info("auto-apply refused", { queue_id: row.id, code: outcome.code });
      }
    }
    if (autoApplied > 0 && options.notifier) await publishPendingEvents(sql, options.notifier, log);
    const [cooling] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ${pendingOfTargets(sql, keys)} WHERE q.ready_at > ${now}`;
    return {
      autoApplied,
      coolingDown: cooling?.n ?? 0,
      ...(downgrades ? { integrity: { trust_downgrade: downgrades } } : {}),
    };
  };
}
