import { hasHiddenCharacters, type WebBases } from "@drift/core/model";
import type { Sql } from "../client";
import { type UpdateRow, updateRowsById } from "./review-rows";
import { filterCondition, type UpdateFilter } from "./update-store";

/**
 * The grouped view of the queue: one entry per (repository, tracked_ref, current_sha, latest_sha), so that the
 * same update followed by 40 workspaces is one decision. Moved tags first, then the newest.
 */

/** One group: the fields its rows share (from one of them), how many rows, and which. */
export interface UpdateGroup
  extends Omit<
    UpdateRow,
    "id" | "workspace_id" | "plugin_name" | "decided_at" | "decided_by" | "decision_reason"
  > {
  readonly count: number;
  /** Queue row ids, oldest first. */
  readonly ids: readonly string[];
  readonly workspace_ids: readonly string[];
  /** The distinct plugin names the rows carry (usually one). */
  readonly plugin_names: readonly string[];
  /** When the oldest row of the group was detected. */
  readonly first_detected_at: Date;
}

/** Groups of the rows matching the filter (its cursor is ignored), at most `limit` groups. */
export async function listUpdateGroups(
  sql: Sql,
  filter: UpdateFilter,
  bases: WebBases = {},
): Promise<{ groups: UpdateGroup[]; truncated: boolean }> {
  const { after: _ignored, ...rest } = filter;
  const found = await sql<
    {
      count: number;
      ids: string[];
      workspace_ids: string[];
      plugin_names: string[];
      first_detected_at: Date;
      sample: string;
    }[]
  >`
    SELECT count(*)::int AS count,
           array_agg(q.id::text ORDER BY q.created_at, q.id) AS ids,
           array_agg(q.workspace_id::text ORDER BY q.created_at, q.id) AS workspace_ids,
           array_agg(DISTINCT q.plugin_name) AS plugin_names,
           min(q.created_at) AS first_detected_at,
           (array_agg(q.id::text ORDER BY q.created_at DESC, q.id DESC))[1] AS sample
    FROM plugin_update_queue q LEFT JOIN drift_targets t ON t.key = q.target_key
    WHERE ${filterCondition(sql, rest)}
    GROUP BY coalesce(q.target_key, q.source_raw, q.plugin_name), q.tracked_ref, lower(q.current_sha),
             lower(q.latest_sha), q.status
    ORDER BY bool_or(q.drift_kind = 'tag_moved') DESC, max(q.created_at) DESC, min(q.id::text)
    LIMIT ${filter.limit + 1}`;
  const page = found.slice(0, filter.limit);
  const samples = new Map(
    (
      await updateRowsById(
        sql,
        page.map((g) => g.sample),
        bases,
      )
    ).map((r) => [r.id, r]),
  );
  const groups: UpdateGroup[] = [];
  for (const g of page) {
    const row = samples.get(g.sample);
    if (!row) continue; // decided and deleted between the two reads: gone from the view
    const {
      id: _i,
      workspace_id: _w,
      plugin_name: _p,
      decided_at: _a,
      decided_by: _b,
      decision_reason: _r,
      ...shared
    } = row;
    groups.push({
      ...shared,
      suspicious: shared.suspicious || g.plugin_names.some(hasHiddenCharacters),
      count: g.count,
      ids: g.ids,
      workspace_ids: g.workspace_ids,
      plugin_names: g.plugin_names,
      first_detected_at: g.first_detected_at,
    });
  }
  return { groups, truncated: found.length > filter.limit };
}
