import { type CreateRolloutResult, type NewRollout, soakMs, waveCounts } from "@drift/core/model";
import type { Sql } from "../client";
import { appendControl } from "../decisions/decision-log";
import { pgText } from "../pg-text";

/**
 * Creating a rollout (CONTRACT "rollouts"): in ONE transaction the queue rows are locked and checked (every id
 * pending, all of one drift: repository, tracked_ref and latest_sha; none waiting in a running rollout), then
 * the rollout, its waves and its rows (wave by wave, canaries first) are inserted, and a `rollout_start` entry
 * in the decision log. Refused: nothing written.
 */

interface LockedRow {
  id: string;
  workspace_id: string;
  plugin_name: string;
  status: string;
  tracked_ref: string;
  latest_sha: string;
  source_raw: string | null;
  drift_key: string | null;
  target_key: string | null;
}

const refuse = (kind: "conflict" | "invalid", code: string, message: string): CreateRolloutResult => ({
  kind,
  code,
  message,
});

/** Delivery order: the first wave's canary workspaces first (as listed), then workspace_id, plugin_name. */
function ordered(rows: LockedRow[], canaries: readonly string[]): LockedRow[] {
  const rank = new Map(canaries.map((w, i) => [w.toLowerCase(), i]));
  const r = (row: LockedRow) => rank.get(row.workspace_id) ?? Number.MAX_SAFE_INTEGER;
  return [...rows].sort(
    (a, b) =>
      r(a) - r(b) ||
      a.workspace_id.localeCompare(b.workspace_id) ||
      a.plugin_name.localeCompare(b.plugin_name),
  );
}

/** Why these locked rows cannot make one rollout (null when they can). */
function problemOf(ids: readonly string[], rows: LockedRow[], canaries: readonly string[]) {
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing) return refuse("conflict", "not_pending", `no pending plugin update ${missing}`);
  const notPending = rows.find((r) => r.status !== "pending");
  if (notPending)
    return refuse("conflict", "not_pending", `update ${notPending.id} is ${notPending.status}, not pending`);
  const first = rows[0] as LockedRow;
  const other = rows.find(
    (r) =>
      r.drift_key !== first.drift_key ||
      r.tracked_ref !== first.tracked_ref ||
      r.latest_sha !== first.latest_sha,
  );
  if (other)
    return refuse(
      "conflict",
      "mixed_drift",
      `update ${other.id} is not of the same drift as ${first.id} (one repository, tracked_ref and latest_sha)`,
    );
  const workspaces = new Set(rows.map((r) => r.workspace_id));
  const stranger = canaries.find((w) => !workspaces.has(w.toLowerCase()));
  if (stranger)
    return refuse("invalid", "invalid_body", `waves.0.workspaces: ${stranger} has no row among the ids`);
  return null;
}

export async function createRollout(sql: Sql, input: NewRollout, now: Date): Promise<CreateRolloutResult> {
  const ids = [...new Set(input.ids.map((id) => id.toLowerCase()))];
  const canaries = input.waves[0]?.workspaces ?? [];
  try {
    return (await sql.begin(async (tx) => {
      const rows = await tx<LockedRow[]>`
        SELECT q.id, q.workspace_id, q.plugin_name, q.status, q.tracked_ref, lower(q.latest_sha) AS latest_sha,
               -- Rows older than the queue's source_raw column: the plugin's, for display only.
               coalesce(q.source_raw, (SELECT wp.source_raw FROM workspace_plugins wp
                 WHERE wp.workspace_id = q.workspace_id AND wp.plugin_name = q.plugin_name)) AS source_raw,
               q.target_key, coalesce(q.target_key, q.source_raw) AS drift_key
        FROM plugin_update_queue q WHERE q.id = ANY(${ids}::uuid[]) ORDER BY q.id FOR UPDATE OF q`;
      const problem = problemOf(ids, rows, canaries);
      if (problem) return problem;
      const [busy] = await tx<{ queue_id: string; rollout_id: string }[]>`
        SELECT queue_id, rollout_id FROM drift_rollout_rows WHERE state = 'waiting' AND queue_id = ANY(${ids}::uuid[])
        LIMIT 1`;
      if (busy)
        return refuse(
          "conflict",
          "in_rollout",
          `update ${busy.queue_id} is already in rollout ${busy.rollout_id}`,
        );
      const first = rows[0] as LockedRow;
      const [rollout] = await tx<{ id: string }[]>`
        INSERT INTO drift_rollouts (source_raw, tracked_ref, latest_sha, target_key, max_failures, rollback_on_halt,
                                    reason, created_by, created_at, updated_at, next_due_at)
        VALUES (${first.source_raw}, ${first.tracked_ref}, ${first.latest_sha}, ${first.target_key},
                ${input.maxFailures}, ${input.rollbackOnHalt}, ${pgText(input.reason ?? undefined, 500) || null},
                ${pgText(input.createdBy, 300) ?? "unknown"}, ${now}, ${now}, ${now})
        RETURNING id`;
      const id = (rollout as { id: string }).id;
      const counts = waveCounts(rows.length, input.waves);
      const waveOf: number[] = counts.flatMap((n, w) => Array.from({ length: n }, () => w));
      await tx`INSERT INTO drift_rollout_waves (rollout_id, idx, size, soak, soak_ms)
        SELECT ${id}::uuid, i - 1, size, soak, soak_ms
        FROM unnest(${input.waves.map((w) => String(w.size ?? "rest"))}::text[],
                    ${input.waves.map((w) => w.soak ?? "0")}::text[],
                    ${input.waves.map((w) => soakMs(w))}::bigint[]) WITH ORDINALITY AS x(size, soak, soak_ms, i)`;
      const order = ordered(rows, canaries);
      await tx`INSERT INTO drift_rollout_rows (rollout_id, queue_id, workspace_id, plugin_name, wave, position)
        SELECT ${id}::uuid, q, w, p, wave, i
        FROM unnest(${order.map((r) => r.id)}::uuid[], ${order.map((r) => r.workspace_id)}::uuid[],
                    ${order.map((r) => r.plugin_name)}::text[], ${waveOf}::int[])
             WITH ORDINALITY AS x(q, w, p, wave, i)`;
      await appendControl(tx, {
        subject: "rollout",
        subjectId: id,
        action: "rollout_start",
        toStatus: "running",
        to: {
          source_raw: first.source_raw,
          tracked_ref: first.tracked_ref,
          latest_sha: first.latest_sha,
          rows: rows.length,
          waves: counts,
        },
        decidedBy: input.createdBy,
        reason: input.reason ?? null,
      });
      return { kind: "created", id };
    })) as CreateRolloutResult;
  } catch (error) {
    // Two creations racing for one row: the unique index of waiting rows refuses the second.
    if ((error as { code?: string }).code === "23505")
      return refuse("conflict", "in_rollout", "an update is already in a running rollout");
    throw error;
  }
}

/**
 * A policy's next eligible rows of one drift join the newest running or paused rollout that policy started for it
 * (its last wave: applied at once when that wave already started, else with it). Rows not pending, of another
 * commit, or waiting in another rollout are not added. Null when there is no such rollout.
 */
export async function extendRollout(sql: Sql, createdBy: string, ids: readonly string[], now: Date) {
  const list = [...new Set(ids.map((id) => id.toLowerCase()))];
  return (await sql.begin(async (tx) => {
    const [r] = await tx<{ id: string; wave: number; position: number }[]>`
      SELECT r.id, (SELECT max(idx) FROM drift_rollout_waves w WHERE w.rollout_id = r.id) AS wave,
             (SELECT coalesce(max(position), 0) FROM drift_rollout_rows x WHERE x.rollout_id = r.id) AS position
      FROM drift_rollouts r, (SELECT lower(latest_sha) AS sha, target_key, source_raw FROM plugin_update_queue
                              WHERE id = ${list[0] ?? null}::uuid) q
      WHERE r.created_by = ${createdBy} AND r.status IN ('running', 'paused') AND r.latest_sha = q.sha
        AND coalesce(r.target_key, r.source_raw) IS NOT DISTINCT FROM coalesce(q.target_key, q.source_raw)
      ORDER BY r.created_at DESC LIMIT 1 FOR UPDATE OF r`;
    if (!r) return null;
    await tx`
      INSERT INTO drift_rollout_rows (rollout_id, queue_id, workspace_id, plugin_name, wave, position)
      SELECT ${r.id}::uuid, q.id, q.workspace_id, q.plugin_name, ${r.wave},
             ${r.position} + row_number() OVER (ORDER BY q.workspace_id, q.plugin_name)
      FROM plugin_update_queue q JOIN drift_rollouts ro ON ro.id = ${r.id}::uuid
      WHERE q.id = ANY(${list}::uuid[]) AND q.status = 'pending' AND lower(q.latest_sha) = ro.latest_sha
      ON CONFLICT DO NOTHING`;
    await tx`UPDATE drift_rollouts SET updated_at = ${now} WHERE id = ${r.id}::uuid`;
    return r.id;
  })) as string | null;
}
