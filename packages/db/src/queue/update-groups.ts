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
  /** How many rows (queue updates) the group holds. */
  readonly count: number;
  /** How many distinct workspaces they belong to (what an operator decides for). */
  readonly workspaces: number;
  /** Queue row ids, oldest first. */
  readonly ids: readonly string[];
  readonly workspace_ids: readonly string[];
  /** The distinct plugin names the rows carry (usually one). */
  readonly plugin_names: readonly string[];
  /** When the oldest row of the group was detected. */
  readonly first_detected_at: Date;
}

/** Opaque cursor of a grouped page: how many groups came before it (base64url JSON). */
export const encodeGroupCursor = (offset: number): string =>
  Buffer.from(JSON.stringify(["group", offset])).toString("base64url");

/** A client's grouped-page cursor, or null when it is not one this code produced. */
export function decodeGroupCursor(text: string): number | null {
  if (text.length > 200) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2 || value[0] !== "group") return null;
    const offset = value[1];
    return Number.isSafeInteger(offset) && offset > 0 && offset <= 10_000_000 ? offset : null;
  } catch {
    return null;
  }
}

/**
 * Groups of the rows matching the filter (its keyset cursor is ignored), at most `limit` groups after the first
 * `offset`; `next` is the offset of the following page, null on the last.
 */
export async function listUpdateGroups(
  sql: Sql,
  filter: UpdateFilter,
  bases: WebBases = {},
  offset = 0,
): Promise<{ groups: UpdateGroup[]; truncated: boolean; next: number | null }> {
  const { after: _ignored, ...rest } = filter;
  const found = await sql<
    {
      count: number;
      workspaces: number;
      ids: string[];
      workspace_ids: string[];
      plugin_names: string[];
      first_detected_at: Date;
      sample: string;
    }[]
  >`
    SELECT count(*)::int AS count, count(DISTINCT q.workspace_id)::int AS workspaces,
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
    LIMIT ${filter.limit + 1} OFFSET ${offset}`;
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
      workspaces: g.workspaces,
      ids: g.ids,
      workspace_ids: g.workspace_ids,
      plugin_names: g.plugin_names,
      first_detected_at: g.first_detected_at,
    });
  }
  const truncated = found.length > filter.limit;
  return { groups, truncated, next: truncated ? offset + filter.limit : null };
}

/**
 * The pending rows of the group `id` belongs to (the same key as {@link listUpdateGroups}), oldest first, `id`
 * included; just `[id]` when it is not pending; empty when it does not exist.
 */
export async function groupMatesOf(sql: Sql, id: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    SELECT m.id::text AS id
    FROM plugin_update_queue q
    JOIN plugin_update_queue m ON m.status = 'pending' AND q.status = 'pending'
      AND coalesce(m.target_key, m.source_raw, m.plugin_name) = coalesce(q.target_key, q.source_raw, q.plugin_name)
      AND m.tracked_ref = q.tracked_ref AND lower(m.current_sha) = lower(q.current_sha)
      AND lower(m.latest_sha) = lower(q.latest_sha)
    WHERE q.id = ${id}::uuid
    ORDER BY m.created_at, m.id`;
  if (rows.length > 0) return rows.map((r) => r.id);
  const [self] = await sql<
    { id: string }[]
  >`SELECT id::text AS id FROM plugin_update_queue WHERE id = ${id}::uuid`;
  return self ? [self.id] : [];
}
