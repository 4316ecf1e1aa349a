import {
  type IntegrityFinding,
  type IntegrityKind,
  judgeTags,
  type LedgerTag,
  observeTags,
  type TargetOutcome,
} from "@drift/core/model";
import type { Sql } from "../client";
import { writeIntegrityEvents } from "../notifications/notify-events-writer";
import { pgText } from "../pg-text";

/**
 * The tag-integrity ledger (see @drift/core tag-integrity.ts for the rules). Runs inside the message's drift
 * transaction, so an observation is judged exactly once: a redelivery skips targets already done, and a rolled
 * back message recorded nothing. Ledger rows of the observed repositories are locked first (in key order), so two
 * messages observing one repository judge one after the other.
 *
 * @returns the integrity events recorded, by kind.
 */
export async function recordTagLedger(
  tx: Sql,
  sweepId: string | null,
  outcomes: readonly TargetOutcome[],
): Promise<Partial<Record<IntegrityKind, number>>> {
  const obs = observeTags(outcomes);
  const repos = [...new Set([...obs.present.keys(), ...obs.gone.keys()])];
  if (repos.length === 0) return {};
  const ledger = await tx<LedgerTag[]>`
    SELECT repo_key, tag, commit_sha, tag_object, deleted_at IS NOT NULL AS deleted FROM drift_tag_ledger
    WHERE repo_key = ANY(${repos}::text[]) ORDER BY repo_key, tag FOR UPDATE`;
  const targets = obs.choices.map((c) => c.targetKey);
  const previous = targets.length
    ? await tx<{ target_key: string; tag: string; commit_sha: string }[]>`
        SELECT target_key, tag, commit_sha FROM drift_target_versions
        WHERE target_key = ANY(${targets}::text[]) ORDER BY target_key FOR UPDATE`
    : [];
  const { writes, findings } = judgeTags(
    obs,
    ledger,
    new Map(previous.map((p) => [p.target_key, { tag: p.tag, sha: p.commit_sha }])),
  );
  const rows = writes.map((w) => ({ ...w, tag: pgText(w.tag, 255), tag_object: pgText(w.tag_object, 64) }));
  if (rows.length) {
    await tx`
      INSERT INTO drift_tag_ledger AS l (repo_key, tag, commit_sha, tag_object, deleted_at)
      SELECT repo_key, tag, commit_sha, tag_object, CASE WHEN change = 'deleted' THEN now() END
      FROM jsonb_to_recordset(${tx.json(rows)}::jsonb)
        AS x(repo_key text, tag text, commit_sha text, tag_object text, change text)
      ORDER BY repo_key, tag -- the lock order of the SELECT above: two messages never wait on each other in a cycle
      ON CONFLICT (repo_key, tag) DO UPDATE SET
        commit_sha = EXCLUDED.commit_sha,
        tag_object = EXCLUDED.tag_object,
        deleted_at = EXCLUDED.deleted_at,
        -- (tag → commit, tag object) first seen: another commit, a return, or another known tag object starts anew.
        first_seen = CASE WHEN l.commit_sha <> EXCLUDED.commit_sha OR l.deleted_at IS NOT NULL
                            OR (l.tag_object IS NOT NULL AND l.tag_object IS DISTINCT FROM EXCLUDED.tag_object)
                          THEN now() ELSE l.first_seen END,
        last_seen = CASE WHEN EXCLUDED.deleted_at IS NULL THEN now() ELSE l.last_seen END`;
  }
  if (obs.choices.length) {
    const choices = obs.choices.map((c) => ({ ...c, tag: pgText(c.tag, 255) }));
    await tx`
      INSERT INTO drift_target_versions AS v (target_key, tag, commit_sha)
      SELECT "targetKey", tag, sha FROM jsonb_to_recordset(${tx.json(choices)}::jsonb)
        AS x("targetKey" text, tag text, sha text)
      ON CONFLICT (target_key) DO UPDATE SET tag = EXCLUDED.tag, commit_sha = EXCLUDED.commit_sha, seen_at = now()`;
  }
  if (findings.length === 0) return {};
  const events = findings.map((f) => ({
    ...f,
    tag: pgText(f.tag, 255),
    previous_tag: pgText(f.previous_tag),
    previous_tag_object: pgText(f.previous_tag_object, 64),
    tag_object: pgText(f.tag_object, 64),
  }));
  await tx`
    INSERT INTO drift_integrity_events (kind, repo_key, tag, target_key, previous_tag, previous_sha, new_sha,
      previous_tag_object, tag_object, sweep_id)
    SELECT kind, repo_key, tag, target_key, previous_tag, previous_sha, new_sha, previous_tag_object, tag_object,
      ${sweepId}::uuid
    FROM jsonb_to_recordset(${tx.json(events)}::jsonb) AS x(kind text, repo_key text, tag text, target_key text,
      previous_tag text, previous_sha text, new_sha text, previous_tag_object text, tag_object text)`;
  await writeIntegrityEvents(tx, events, sweepId);
  const counts: Partial<Record<IntegrityKind, number>> = {};
  for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return counts;
}

/** An integrity event as the API lists it: the finding as recorded, with its id, sweep and time. */
export interface IntegrityEvent extends IntegrityFinding {
  /** For `trust_downgrade`: the installed version's trust and the new one's (null for the tag events). */
  readonly previous_trust: string | null;
  readonly trust: string | null;
  readonly id: string;
  readonly sweep_id: string | null;
  readonly detected_at: Date;
}

/**
 * The most recent integrity events, newest first. With a scope (a workspace), only the events of repositories
 * that workspace's plugins follow or have queue rows from (a target key is `REPO_KEY#REF`).
 */
export async function listIntegrityEvents(sql: Sql, limit = 100, scope?: string): Promise<IntegrityEvent[]> {
  const scoped = scope
    ? sql`WHERE repo_key IN (
        SELECT split_part(m.target_key, '#', 1) FROM drift_plugin_targets m
        JOIN workspace_plugins w ON w.id = m.plugin_id WHERE w.workspace_id = ${scope}::uuid
        UNION SELECT split_part(q.target_key, '#', 1) FROM plugin_update_queue q
        WHERE q.workspace_id = ${scope}::uuid AND q.target_key IS NOT NULL)`
    : sql``;
  return sql<IntegrityEvent[]>`
    SELECT id, kind, repo_key, tag, target_key, previous_tag, previous_sha, new_sha, sweep_id, detected_at,
           previous_tag_object, tag_object, previous_trust, trust
    FROM drift_integrity_events ${scoped} ORDER BY detected_at DESC, id DESC LIMIT ${limit}`;
}
