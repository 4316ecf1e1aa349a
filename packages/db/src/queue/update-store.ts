import { isUuid, type UpdateStatus, type WebBases } from "@drift/core/model";
import type { Sql } from "../client";
import { type RawRow, rowSelect, toUpdateRow, type UpdateRow } from "./review-rows";

/**
 * The update queue as operators see it (admin API, `drift pending`): list the rows. Deciding one (apply,
 * dismiss) is decision-store.ts. Callers validate ids as UUIDs before they get here (a non-UUID sent to a uuid
 * column is a 500 from Postgres, not a 400).
 */

export type { PendingUpdate, UpdateRow } from "./review-rows";

/** Every pending row, newest first (the platform's route), each with every field "Decisions" in docs/contracts.md names. */
export async function listPendingUpdates(
  sql: Sql,
  bases: WebBases = {},
  scope?: string,
): Promise<UpdateRow[]> {
  const rows = await sql<RawRow[]>`${rowSelect(sql)} WHERE q.status = 'pending'
    ${scope ? sql`AND q.workspace_id = ${scope}::uuid` : sql``}
    ORDER BY q.created_at DESC, q.id DESC`;
  return rows.map((r) => toUpdateRow(r, bases));
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
  /** Any of these statuses (the history: applied, dismissed, superseded). */
  readonly statuses?: readonly UpdateStatus[];
  readonly workspaceId?: string;
  readonly pluginName?: string;
  readonly driftKind?: string;
  /** `OWNER/NAME` of the repository (case-insensitive). */
  readonly repository?: string;
  readonly decidedBy?: string;
  /** The caller's scope: only this workspace's rows, whatever the other filters say (a workspace token). */
  readonly scope?: string;
  readonly limit: number;
  readonly after?: UpdateCursor | null;
}

/** The WHERE clause of a filter over `q` (queue) and `t` (target). */
export function filterCondition(sql: Sql, filter: Omit<UpdateFilter, "limit">) {
  const conditions = [sql`true`];
  if (filter.status) conditions.push(sql`q.status = ${filter.status}`);
  if (filter.statuses?.length) conditions.push(sql`q.status = ANY(${filter.statuses as string[]}::text[])`);
  if (filter.scope) conditions.push(sql`q.workspace_id = ${filter.scope}::uuid`);
  if (filter.workspaceId) conditions.push(sql`q.workspace_id = ${filter.workspaceId}::uuid`);
  if (filter.pluginName) conditions.push(sql`q.plugin_name = ${filter.pluginName}`);
  if (filter.driftKind) conditions.push(sql`q.drift_kind = ${filter.driftKind}`);
  if (filter.decidedBy) conditions.push(sql`q.decided_by = ${filter.decidedBy}`);
  if (filter.repository) {
    const [owner = "", name = ""] = filter.repository.toLowerCase().split("/");
    conditions.push(sql`lower(t.owner) = ${owner} AND lower(t.repo) = ${name}`);
  }
  if (filter.after) {
    // Bound as text: postgres.js would send a timestamptz parameter through a JS Date (milliseconds only).
    conditions.push(
      sql`(q.created_at, q.id) < (${filter.after.createdAt}::text::timestamptz, ${filter.after.id}::uuid)`,
    );
  }
  return conditions.reduce((all, c) => sql`${all} AND ${c}`);
}

/** One page of queue rows matching the filter, newest first, and the cursor of the next page (null: last). */
export async function listUpdates(
  sql: Sql,
  filter: UpdateFilter,
  bases: WebBases = {},
): Promise<{ items: UpdateRow[]; next: UpdateCursor | null }> {
  const rows = await sql<RawRow[]>`${rowSelect(sql)} WHERE ${filterCondition(sql, filter)}
    ORDER BY q.created_at DESC, q.id DESC
    LIMIT ${filter.limit + 1}`;
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  const next = rows.length > filter.limit && last ? { createdAt: last.cursor_time, id: last.id } : null;
  return { items: page.map((r) => toUpdateRow(r, bases)), next };
}
