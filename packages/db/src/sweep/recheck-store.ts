import {
  type AffectedRefs,
  type DeferralStore,
  planRecheck,
  type RecheckStore,
  type RecordedMessage,
  repoKey,
  type Target,
  type TargetOutcome,
} from "@drift/core/model";
import type { Sql } from "../client";
import { writeDriftEvents } from "../notifications/notify-events-writer";
import { pgText } from "../pg-text";
import { applyDrift } from "./drift-store";
import { type TargetRow, targetsOf } from "./target-state-store";

/**
 * The Postgres side of webhook re-checks: delivery dedupe, the affected known targets (from the mapping tables),
 * and the per-repository coalescing guard (a row lock serialises concurrent deliveries of one repository).
 */
export function createRecheckStore(sql: Sql): RecheckStore & DeferralStore {
  return {
    openDeferral: (targets, attempt, delaySeconds) => openDeferral(sql, targets, attempt, delaySeconds),
    async recordDelivery(route, deliveryId, event) {
      const rows = await sql`INSERT INTO drift_webhook_deliveries (route, delivery_id, event)
        VALUES (${route}, ${pgText(deliveryId, 200)}, ${pgText(event, 100)}) ON CONFLICT DO NOTHING RETURNING 1`;
      return rows.length === 1;
    },

    async forgetDelivery(route, deliveryId) {
      await sql`DELETE FROM drift_webhook_deliveries WHERE route = ${route} AND delivery_id = ${pgText(deliveryId, 200)}`;
    },

    async affectedTargets(refs: AffectedRefs) {
      const { provider, host, owner, repo } = refs.repository;
      const rows = await sql<TargetRow[]>`
        SELECT t.key, t.provider, t.host, t.owner, t.repo, t.tracked_ref FROM drift_targets t
        WHERE t.provider = ${provider} AND lower(t.host) = lower(${host})
          AND lower(t.owner) = lower(${owner}) AND lower(t.repo) = lower(${repo})
          AND (t.tracked_ref = ANY(${[...refs.exact]}::text[])
               OR (${refs.tagLists}::bool AND (t.tracked_ref = 'tag:latest' OR t.tracked_ref LIKE 'tag:latest:%'
                                                   OR t.tracked_ref LIKE 'semver:%')))
          AND EXISTS (SELECT 1 FROM drift_plugin_targets m WHERE m.target_key = t.key)
        ORDER BY t.key LIMIT 5000`;
      return targetsOf(rows);
    },

    claimRecheck(repo, targets, windowMs, targetsPerMessage) {
      return sql.begin(async (tx) => {
        await tx`INSERT INTO drift_recheck_guards (repo_key) VALUES (${repo}) ON CONFLICT DO NOTHING`;
        const [g] = await tx<{ run_at: Date | null; target_keys: string[]; now: Date }[]>`
          SELECT run_at, target_keys, now() AS now FROM drift_recheck_guards WHERE repo_key = ${repo} FOR UPDATE`;
        if (!g) throw new Error(`recheck guard of ${repo} vanished`);
        const plan = planRecheck(
          { runAt: g.run_at, targetKeys: g.target_keys },
          g.now,
          targets.map((t) => t.key),
          windowMs,
        );
        if (plan.send.length === 0) return null;
        const send = new Set(plan.send);
        const chosen = targets.filter((t) => send.has(t.key));
        const messages = Math.ceil(chosen.length / targetsPerMessage);
        const [row] = await tx<{ id: string }[]>`
          INSERT INTO drift_rechecks (repo_key, target_count, messages, run_at)
          VALUES (${repo}, ${chosen.length}, ${messages}, ${plan.runAt.toISOString()}::timestamptz) RETURNING id`;
        if (!row) throw new Error("re-check insert returned no row");
        await tx`UPDATE drift_recheck_guards SET run_at = ${plan.runAt.toISOString()}::timestamptz,
            target_keys = ${[...plan.guard.targetKeys]}::text[], recheck_id = ${row.id}
          WHERE repo_key = ${repo}`;
        const delayMs = plan.runAt.getTime() - g.now.getTime();
        return { recheckId: row.id, targets: chosen, delaySeconds: Math.min(900, Math.ceil(delayMs / 1000)) };
      });
    },

    async cancelRecheck(recheckId) {
      await sql.begin(async (tx) => {
        await tx`UPDATE drift_recheck_guards SET run_at = NULL, target_keys = '{}' WHERE recheck_id = ${recheckId}`;
        await tx`DELETE FROM drift_rechecks WHERE id = ${recheckId}`;
      });
    },

    async prune(retentionHours) {
      const age = `${Math.max(1, Math.floor(retentionHours))} hours`;
      const a = await sql`DELETE FROM drift_webhook_deliveries WHERE received_at < now() - ${age}::interval`;
      const b = await sql`DELETE FROM drift_rechecks WHERE requested_at < now() - ${age}::interval`;
      const c = await sql`DELETE FROM drift_recheck_guards WHERE run_at < now() - ${age}::interval`;
      return a.count + b.count + c.count;
    },
  };
}

/**
 * A re-check of kind `deferred` (core deferral.ts): targets answered too late, due again after `delaySeconds`.
 * It bypasses the repository guards: it is no webhook burst to coalesce, and must not hold one back.
 */
async function openDeferral(
  sql: Sql,
  targets: readonly Target[],
  attempt: number,
  delaySeconds: number,
): Promise<string> {
  const first = targets[0];
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO drift_rechecks (repo_key, target_count, messages, run_at, kind, attempt)
    VALUES (${first ? repoKey(first) : ""}, ${targets.length}, 1,
      now() + make_interval(secs => ${delaySeconds}), 'deferred', ${attempt})
    RETURNING id`;
  if (!row) throw new Error("deferral insert returned no row");
  return row.id;
}

/**
 * Records one delivery of a re-check message (caller's transaction): the drift upsert for what resolved, and the
 * resolved targets' last answer (SHA, tag, ETag, errors cleared). It never touches sweep bookkeeping
 * (`last_sweep_id`, `last_attempt_sweep_id`, drift_sweep_messages), so a sweep's redelivered message still skips
 * exactly what that sweep finished; and a failed target changes nothing (no backoff, no failure count: the
 * hourly sweep is the backstop). A redelivered re-check message resolves its targets again: replays change no
 * queue row, and its target counts are added once per message.
 */
export async function recordRecheckOutcomes(
  tx: Sql,
  recheckId: string,
  seq: number,
  outcomes: readonly TargetOutcome[],
  options: { final: boolean; retrying: number },
): Promise<RecordedMessage> {
  const resolved = outcomes.flatMap((o) =>
    o.resolution.status === "resolved"
      ? [
          {
            key: o.target.key,
            sha: o.resolution.sha,
            tag: pgText(o.resolution.tag),
            etag: pgText(o.resolution.etag),
          },
        ]
      : [],
  );
  const drift = await applyDrift(tx, resolved, recheckId);
  await writeDriftEvents(tx, drift.groups, recheckId);
  if (resolved.length > 0) {
    await tx`
      UPDATE drift_targets t SET last_sha = lower(u.sha), last_tag = u.tag, etag = u.etag, last_error_kind = NULL,
        last_error = NULL, consecutive_failures = 0, next_check_at = least(t.next_check_at, now()),
        last_checked_at = now(), last_resolved_at = now(), updated_at = now()
      FROM unnest(${resolved.map((r) => r.key)}::text[], ${resolved.map((r) => r.sha)}::text[],
        ${resolved.map((r) => r.tag)}::text[], ${resolved.map((r) => r.etag)}::text[]) AS u(key, sha, tag, etag)
      WHERE t.key = u.key`;
  }
  const done = options.final || options.retrying === 0;
  const [r] = await tx<
    { done_at: Date | null; done_seqs: number[]; messages: number; latency_ms: number; kind: string }[]
  >`
    SELECT done_at, done_seqs, messages, kind, (extract(epoch FROM (now() - requested_at)) * 1000)::float8 AS latency_ms
    FROM drift_rechecks WHERE id = ${recheckId}::uuid FOR UPDATE`;
  const seqs = r && done && !r.done_seqs.includes(seq) ? [...r.done_seqs, seq] : (r?.done_seqs ?? []);
  const firstDone = r !== undefined && r.done_at === null && seqs.length >= r.messages;
  // Target counts are added once per message (when it is done); drift counts whenever they changed something.
  const newlyDone = r !== undefined && seqs.length > r.done_seqs.length;
  await tx`
    UPDATE drift_rechecks SET
      targets_resolved = targets_resolved + ${newlyDone ? resolved.length : 0},
      targets_failed = targets_failed + ${newlyDone ? outcomes.length - resolved.length : 0},
      drift_new = drift_new + ${drift.new}, drift_refreshed = drift_refreshed + ${drift.refreshed},
      drift_superseded = drift_superseded + ${drift.superseded}, done_seqs = ${seqs}::int[],
      done_at = CASE WHEN ${firstDone}::bool THEN now() ELSE done_at END
    WHERE id = ${recheckId}::uuid`;
  return {
    drift: { new: drift.new, refreshed: drift.refreshed, superseded: drift.superseded },
    // Detection latency is a webhook's (a deferral's delay is ours, not the time to notice a push).
    ...(firstDone && r && r.kind === "webhook"
      ? { recheckDone: { latencyMs: Math.round(r.latency_ms) } }
      : {}),
  };
}

/** The known target with this key (drift_targets), or null. */
export async function targetByKey(sql: Sql, key: string) {
  const rows = await sql<TargetRow[]>`
    SELECT key, provider, host, owner, repo, tracked_ref FROM drift_targets WHERE key = ${key}`;
  return targetsOf(rows)[0] ?? null;
}

/** Makes a target due at once: the next sweep looks it up first thing (where no re-check queue is wired). */
export async function markTargetDue(sql: Sql, key: string): Promise<void> {
  await sql`UPDATE drift_targets SET next_check_at = now(), updated_at = now() WHERE key = ${key}`;
}
