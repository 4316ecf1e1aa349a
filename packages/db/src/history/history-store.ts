import type { UpdateStatus, WebBases } from "@drift/core/model";
import type { Sql } from "../client";
import { type UpdateRow, updateRowsById } from "../queue/review-rows";
import { filterCondition, type UpdateFilter } from "../queue/update-store";

/**
 * The history: the append-only decision log (migration 016) newest first, one item per decision, each shown with
 * its queue row (repository, versions, review packet). A reopen is an entry of its own; nothing is ever removed.
 */

/** One decision on a queue row: its fields, with status, decided_*, reason and hold as this decision set them. */
export interface UpdateHistoryEntry extends Omit<UpdateRow, "status"> {
  /** The entry's position in the log (increasing). */
  readonly entry: string;
  readonly subject: "update";
  /** apply, dismiss, reopen, rollback… */
  readonly action: string;
  readonly from_status: string | null;
  /** The status this decision gave the row. */
  readonly status: string;
  /** The row's status now (a later decision may have changed it). */
  readonly current_status: UpdateStatus;
}

/**
 * A policy or rollout action (migration 022): `id` is the policy's or the rollout's; `from` → `to` the policy
 * before and after (null where there was none), or for a rollout its drift; statuses are the rollout's.
 */
export interface ControlHistoryEntry {
  readonly entry: string;
  readonly subject: "policy" | "rollout";
  readonly id: string;
  /** policy_set, policy_rm, rollout_start, rollout_pause, rollout_resume, rollout_cancel, rollout_halt. */
  readonly action: string;
  readonly workspace_id: string | null;
  readonly plugin_name: string | null;
  readonly from_status: string | null;
  readonly status: string | null;
  readonly from: unknown;
  readonly to: unknown;
  readonly decided_by: string;
  readonly decided_at: Date;
  readonly decision_reason: string | null;
}

/** One entry of the log, newest first: a decision on an update, or a policy or rollout action. */
export type HistoryEntry = UpdateHistoryEntry | ControlHistoryEntry;

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
  subject: "update" | "policy" | "rollout";
  subject_id: string | null;
  queue_id: string | null;
  workspace_id: string | null;
  plugin_name: string | null;
  action: string;
  from_status: string | null;
  to_status: string | null;
  current_sha: string | null;
  latest_sha: string | null;
  from_value: unknown;
  to_value: unknown;
  decided_by: string;
  reason: string | null;
  hold_until: Date | null;
  decided_at: Date;
}

/**
 * Which policy and rollout actions a filter keeps: none for a workspace-scoped caller (policies and rollouts are
 * operators' business) or a filter only queue rows have (status, drift kind, repository); else by the entry's
 * own workspace and plugin.
 */
function controlCondition(sql: Sql, filter: Omit<HistoryFilter, "limit" | "after" | "decidedBy">) {
  if (filter.scope || filter.status || filter.driftKind || filter.repository) return sql`false`;
  const conditions = [sql`l.subject <> 'update'`];
  if (filter.workspaceId) conditions.push(sql`l.workspace_id = ${filter.workspaceId}::uuid`);
  if (filter.pluginName) conditions.push(sql`l.plugin_name = ${filter.pluginName}`);
  return conditions.reduce((all, c) => sql`${all} AND ${c}`);
}

/** One page of decisions, newest first, and the cursor of the next page (null: the last page). */
export async function listHistory(
  sql: Sql,
  filter: HistoryFilter,
  bases: WebBases = {},
): Promise<{ items: HistoryEntry[]; next: string | null }> {
  const { status, decidedBy, after, limit, ...rest } = filter;
  const updates = [sql`l.subject = 'update'`, sql`q.id IS NOT NULL`, filterCondition(sql, rest)];
  if (status) updates.push(sql`l.to_status = ${status}`);
  const common = [sql`true`];
  if (decidedBy) common.push(sql`l.decided_by = ${decidedBy}`);
  if (after) common.push(sql`l.seq < ${String(after)}::bigint`);
  const updateCondition = updates.reduce((all, c) => sql`${all} AND ${c}`);
  const commonCondition = common.reduce((all, c) => sql`${all} AND ${c}`);
  const found = await sql<LogRow[]>`
    SELECT l.seq::text AS seq, l.subject, l.subject_id, l.queue_id, l.workspace_id, l.plugin_name, l.action,
           l.from_status, l.to_status, l.current_sha, l.latest_sha, l.from_value, l.to_value, l.decided_by,
           l.reason, l.hold_until, l.decided_at
    FROM drift_decision_log l
    LEFT JOIN plugin_update_queue q ON q.id = l.queue_id
    LEFT JOIN drift_targets t ON t.key = q.target_key
    WHERE ((${updateCondition}) OR (${controlCondition(sql, { status, ...rest })})) AND ${commonCondition}
    ORDER BY l.seq DESC
    LIMIT ${limit + 1}`;
  const page = found.slice(0, limit);
  const queueIds = [...new Set(page.flatMap((e) => (e.queue_id ? [e.queue_id] : [])))];
  const rows = new Map((await updateRowsById(sql, queueIds, bases)).map((r) => [r.id, r]));
  const items: HistoryEntry[] = [];
  for (const e of page) {
    if (e.subject !== "update") {
      items.push({
        entry: e.seq,
        subject: e.subject,
        id: e.subject_id ?? "",
        action: e.action,
        workspace_id: e.workspace_id,
        plugin_name: e.plugin_name,
        from_status: e.from_status,
        status: e.to_status,
        from: e.from_value ?? null,
        to: e.to_value ?? null,
        decided_by: e.decided_by,
        decided_at: e.decided_at,
        decision_reason: e.reason,
      });
      continue;
    }
    const row = e.queue_id ? rows.get(e.queue_id) : undefined;
    if (!row) continue; // joined above: only a row deleted meanwhile is missing
    items.push({
      ...row,
      entry: e.seq,
      subject: "update",
      action: e.action,
      from_status: e.from_status,
      status: e.to_status ?? "",
      current_status: row.status,
      current_sha: e.current_sha ?? row.current_sha,
      latest_sha: e.latest_sha ?? row.latest_sha,
      decided_by: e.decided_by,
      decided_at: e.decided_at,
      decision_reason: e.reason,
      hold_until: e.hold_until,
    });
  }
  const last = page[page.length - 1];
  return { items, next: found.length > limit && last ? encodeHistoryCursor(last.seq) : null };
}
