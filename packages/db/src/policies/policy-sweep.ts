import {
  type AutoApply,
  allowsAutoApply,
  type Log,
  type Notifier,
  type PolicyStep,
  silentLog,
} from "@drift/core";
import type { Sql } from "../client";
import { decide } from "../decisions/decision-store";
import { publishPendingEvents } from "../events/event-outbox";
import { pendingOfTargets } from "../queue/pending-of-targets";
import { inRollout, PolicyRollouts } from "../rollouts/policy-rollouts";
import { EFFECTIVE_POLICY } from "./policy-store";

/**
 * What policies do during a sweep: cooling down (`ready_at`) and auto-apply, for the pending rows of the targets
 * a message just recorded. Set-based per message; each apply is the one transactional {@link decide}.
 */

/**
 * Sets `ready_at` of the pending rows of these targets: the drift's date (release publication, else the annotated
 * tag's tagger date, else the new commit's date, else when the sweeper saw it: a later bound, so never early)
 * plus the most specific policy's `min_release_age`, else the default. NULL when no age applies and for
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
          ELSE coalesce(drift_timestamptz(p.release->>'published_at'), p.tagged_at, p.committed_at, q.updated_at)
               + make_interval(secs => coalesce(pol.min_release_age_ms, ${defaultAgeMs}) / 1000.0) END AS ready_at
        FROM ${pendingOfTargets(sql, targetKeys)}
        LEFT JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
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
  drift_kind: string | null;
  signature: string | null;
  from_version: string | null;
  to_version: string | null;
  /** The policy's rollout plan (JSON), or null: applied at once. */
  rollout: unknown;
  target_key: string | null;
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
    const keys = targetKeys as string[];
    const candidates = await sql<Candidate[]>`
      SELECT q.id, q.latest_sha, pol.id AS policy_id, pol.auto_apply, q.drift_kind, p.signature, c.from_version,
             p.to_version, pol.rollout, q.target_key
      FROM ${pendingOfTargets(sql, keys)}
      JOIN LATERAL (${sql.unsafe(EFFECTIVE_POLICY)}) pol ON pol.auto_apply <> 'none'
      JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
      LEFT JOIN drift_review_compares c ON c.target_key = q.target_key
        AND c.current_sha = lower(q.current_sha) AND c.latest_sha = lower(q.latest_sha)
      WHERE q.drift_kind IN ('new_version', 'ref_moved') AND p.signature IN ('valid', 'unsigned')
        AND (q.ready_at IS NULL OR q.ready_at <= ${now})
        AND NOT ${inRollout(sql)}
      ORDER BY q.id`;
    let autoApplied = 0;
    const waves = new PolicyRollouts();
    for (const row of candidates) {
      if (!allowsAutoApply(row.auto_apply, row)) continue;
      if (waves.take(row)) continue;
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
    autoApplied += await waves.deliver(sql, options, log);
    if (autoApplied > 0 && options.notifier) await publishPendingEvents(sql, options.notifier, log);
    const [cooling] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ${pendingOfTargets(sql, keys)} WHERE q.ready_at > ${now}`;
    return { autoApplied, coolingDown: cooling?.n ?? 0 };
  };
}
