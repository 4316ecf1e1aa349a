import { isUuid } from "@drift/core";
import type { Sql } from "./client";

/**
 * The update queue as operators see it (admin API, `drift pending`): list the rows. Deciding one (apply,
 * dismiss) is decision-store.ts. Callers validate ids as UUIDs before they get here (a non-UUID sent to a uuid
 * column is a 500 from Postgres, not a 400).
 */

export type UpdateStatus = "pending" | "applied" | "dismissed" | "superseded";
export const UPDATE_STATUSES: readonly UpdateStatus[] = ["pending", "applied", "dismissed", "superseded"];

/** A queue row in the shape the platform reads from `GET /admin/plugin-updates-pending` (docs/contracts.md). */
export interface PendingUpdate {
  readonly id: string;
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly tracked_ref: string;
  readonly current_sha: string;
  readonly latest_sha: string;
  readonly status: UpdateStatus;
  readonly created_at: Date;
}

/** A queue row with the sweeper's extra columns (filtered list, admin page, `drift pending`). */
export interface UpdateRow extends PendingUpdate {
  readonly drift_kind: string | null;
  readonly resolved_tag: string | null;
  readonly updated_at: Date;
  readonly decided_at: Date | null;
}

/** Every pending row, newest first (the platform's shape, {@link PendingUpdate}). */
export async function listPendingUpdates(sql: Sql): Promise<PendingUpdate[]> {
  return sql<PendingUpdate[]>`
    SELECT id, workspace_id, plugin_name, tracked_ref, current_sha, latest_sha, status, created_at
    FROM plugin_update_queue WHERE status = 'pending'
    ORDER BY created_at DESC, id DESC`;
}

/** Keyset position in the newest-first order: the last row of a page. */
export interface UpdateCursor {
  /** created_at in UTC with microseconds (JS Dates would lose them, and rows would repeat or vanish). */
  readonly createdAt: string;
  readonly id: string;
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Opaque (base64url JSON) form of a cursor for clients. */
export function encodeUpdateCursor(cursor: UpdateCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

/** Parses a client's cursor; null when it is not one this code produced (the caller answers 400). */
export function decodeUpdateCursor(text: string): UpdateCursor | null {
  if (text.length > 200) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, id] = value;
    if (typeof createdAt !== "string" || !CURSOR_TIME.test(createdAt)) return null;
    // The shape alone lets "2024-13-45T99:99:99" through, which Postgres refuses (a 500): check it is a real time.
    const time = Date.parse(createdAt);
    if (!Number.isFinite(time) || new Date(time).toISOString().slice(0, 19) !== createdAt.slice(0, 19))
      return null;
    if (createdAt.startsWith("0000")) return null;
    if (typeof id !== "string" || !isUuid(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

export interface UpdateFilter {
  readonly status?: UpdateStatus;
  readonly workspaceId?: string;
  readonly pluginName?: string;
  readonly driftKind?: string;
  readonly limit: number;
  readonly after?: UpdateCursor | null;
}

/** One page of queue rows matching the filter, newest first, and the cursor of the next page (null: last). */
export async function listUpdates(
  sql: Sql,
  filter: UpdateFilter,
): Promise<{ items: UpdateRow[]; next: UpdateCursor | null }> {
  const conditions = [sql`true`];
  if (filter.status) conditions.push(sql`status = ${filter.status}`);
  if (filter.workspaceId) conditions.push(sql`workspace_id = ${filter.workspaceId}::uuid`);
  if (filter.pluginName) conditions.push(sql`plugin_name = ${filter.pluginName}`);
  if (filter.driftKind) conditions.push(sql`drift_kind = ${filter.driftKind}`);
  if (filter.after) {
    // Bound as text: postgres.js would send a timestamptz parameter through a JS Date (milliseconds only).
    conditions.push(
      sql`(created_at, id) < (${filter.after.createdAt}::text::timestamptz, ${filter.after.id}::uuid)`,
    );
  }
  const where = conditions.reduce((all, c) => sql`${all} AND ${c}`);
  const rows = await sql<(UpdateRow & { cursor_time: string })[]>`
    SELECT id, workspace_id, plugin_name, tracked_ref, current_sha, latest_sha, status, drift_kind, resolved_tag,
           created_at, updated_at, decided_at,
           to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time
    FROM plugin_update_queue WHERE ${where}
    ORDER BY created_at DESC, id DESC
    LIMIT ${filter.limit + 1}`;
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  const next = rows.length > filter.limit && last ? { createdAt: last.cursor_time, id: last.id } : null;
  return { items: page.map(({ cursor_time: _, ...row }) => row), next };
}
