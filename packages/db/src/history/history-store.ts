import type { UpdateStatus, WebBases } from "@drift/core/model";
import type { Sql } from "../client";
import { type UpdateRow, updateRowsById } from "../queue/review-rows";
import { filterCondition, type UpdateFilter } from "../queue/update-store";

/**
 * The history: the append-only decision log (migration 016) newest first, one item per decision, each shown with
 * its queue row (repository, versions, review packet). A reopen is an entry of its own; nothing is ever removed.
 */

/** One decision: the queue row's fields, with status, decided_*, reason and hold as this decision set them. */
export interface HistoryEntry extends Omit<UpdateRow, "status"> {
  /** The entry's position in the log (increasing). */
  readonly entry: string;
  /** apply, dismiss, reopen, rollback… */
  readonly action: string;
  readonly from_status: string | null;
  /** The status this decision gave the row. */
  readonly status: string;
  /** The row's status now (a later decision may have changed it). */
  readonly current_status: UpdateStatus;
}

/** Filters of the history: those of the queue lists (status is the status a decision gave). */
export type HistoryFilter = Omit<UpdateFilter, "after" | "statuses"> & { readonly after?: bigint | null };

/** Opaque cursor of a history page (base64url JSON). */
export const encodeHistoryCursor = (seq: bigint | string): string =>
  Buffer.from(JSON.stringify(["log", String(seq)])).toString("base64url");

/** A client's history cursor, or null when it is not one this code produced. */
export function decodeHistoryCursor(text: string): bigint | null {
  if (text.length > 200) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2 || value[0] !== "log") return null;
    if (typeof value[1] !== "string" || !/^[1-9]\d{0,18}$/.test(value[1])) return null;
    return BigInt(value[1]);
  } catch {
    return null;
  }
}

interface LogRow {
  seq: string;
  queue_id: string;
  action: string;
  from_status: string | null;
  to_status: string;
  current_sha: string;
  latest_sha: string;
  decided_by: string;
  reason: string | null;
  hold_until: Date | null;
  decided_at: Date;
}

/** One page of decisions, newest first, and the cursor of the next page (null: the last page). */
export async function listHistory(
  sql: Sql,
  filter: HistoryFilter,
  bases: WebBases = {},
): Promise<{ items: HistoryEntry[]; next: string | null }> {
  const { status, decidedBy, after, limit, ...rest } = filter;
  const conditions = [filterCondition(sql, rest)];
  if (status) conditions.push(sql`l.to_status = ${status}`);
  if (decidedBy) conditions.push(sql`l.decided_by = ${decidedBy}`);
  if (after) conditions.push(sql`l.seq < ${String(after)}::bigint`);
  const found = await sql<LogRow[]>`
    SELECT l.seq::text AS seq, l.queue_id, l.action, l.from_status, l.to_status, l.current_sha, l.latest_sha,
           l.decided_by, l.reason, l.hold_until, l.decided_at
    FROM drift_decision_log l
    JOIN plugin_update_queue q ON q.id = l.queue_id
    LEFT JOIN drift_targets t ON t.key = q.target_key
    WHERE ${conditions.reduce((all, c) => sql`${all} AND ${c}`)}
    ORDER BY l.seq DESC
    LIMIT ${limit + 1}`;
  const page = found.slice(0, limit);
  const rows = new Map(
    (await updateRowsById(sql, [...new Set(page.map((e) => e.queue_id))], bases)).map((r) => [r.id, r]),
  );
  const items: HistoryEntry[] = [];
  for (const e of page) {
    const row = rows.get(e.queue_id);
    if (!row) continue; // joined above: only a row deleted meanwhile is missing
    items.push({
      ...row,
      entry: e.seq,
      action: e.action,
      from_status: e.from_status,
      status: e.to_status,
      current_status: row.status,
      current_sha: e.current_sha,
      latest_sha: e.latest_sha,
      decided_by: e.decided_by,
      decided_at: e.decided_at,
      decision_reason: e.reason,
      hold_until: e.hold_until,
    });
  }
  const last = page[page.length - 1];
  return { items, next: found.length > limit && last ? encodeHistoryCursor(last.seq) : null };
}
