import { isUuid } from "@drift/core";
import type postgres from "postgres";
import type { Sql } from "./client";
import { writeOutboxEvent } from "./event-outbox";

/**
 * The update queue as operators see it (admin API, `drift pending|apply|dismiss`): list the rows, apply or
 * dismiss one. Callers validate ids as UUIDs before they get here (a non-UUID sent to a uuid column is a 500
 * from Postgres, not a 400).
 */

export type UpdateStatus = "pending" | "applied" | "dismissed" | "superseded";
export const UPDATE_STATUSES: readonly UpdateStatus[] = ["pending", "applied", "dismissed", "superseded"];

/** A queue row in the CONTRACT shape of `GET /admin/plugin-updates-pending`. */
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

/** Every pending row, newest first (CONTRACT shape). */
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

/** The detail of the `plugin.update.applied` event. */
export interface PluginUpdateApplied {
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly from_sha: string;
  readonly to_sha: string;
  readonly queue_id: string;
  /** ISO 8601. */
  readonly applied_at: string;
}

export const PLUGIN_UPDATE_APPLIED = "plugin.update.applied";

/** A decided queue row, as the apply/dismiss answers describe it. */
export interface DecidedUpdate {
  readonly id: string;
  readonly workspace_id: string;
  readonly plugin_name: string;
  /** The commit that was installed when the drift was detected (queue current_sha). */
  readonly previous_sha: string;
  /** The approved commit (queue latest_sha). */
  readonly installed_sha: string;
  readonly decided_at: Date | null;
}

export type ConflictReason =
  | "dismissed"
  | "superseded"
  | "applied"
  | "installed_changed"
  | "tracking_changed"
  | "plugin_missing";

export type ApplyOutcome =
  | { readonly kind: "applied"; readonly update: DecidedUpdate; readonly event: PluginUpdateApplied }
  | { readonly kind: "already_applied"; readonly update: DecidedUpdate }
  | { readonly kind: "not_found" }
  | { readonly kind: "conflict"; readonly reason: ConflictReason; readonly message: string };

export type DismissOutcome =
  | { readonly kind: "dismissed" | "already_dismissed"; readonly update: DecidedUpdate }
  | { readonly kind: "not_found" }
  | { readonly kind: "conflict"; readonly reason: ConflictReason; readonly message: string };

interface LockedQueueRow {
  id: string;
  workspace_id: string;
  plugin_name: string;
  current_sha: string;
  latest_sha: string;
  status: UpdateStatus;
  decided_at: Date | null;
  tracked_ref: string;
  source_raw: string | null;
}

const decided = (row: LockedQueueRow, decidedAt: Date | null = row.decided_at): DecidedUpdate => ({
  id: row.id,
  workspace_id: row.workspace_id,
  plugin_name: row.plugin_name,
  previous_sha: row.current_sha,
  installed_sha: row.latest_sha,
  decided_at: decidedAt,
});

/** Deadlocks and serialization failures are safe to retry: the transaction did nothing. */
async function retryingTransaction<T>(
  sql: Sql,
  body: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await sql.begin(body)) as T;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 3 || (code !== "40P01" && code !== "40001")) throw error;
    }
  }
}

const lockQueueRow = async (tx: postgres.TransactionSql, id: string) =>
  (
    await tx<LockedQueueRow[]>`
      SELECT id, workspace_id, plugin_name, current_sha, latest_sha, status, decided_at, tracked_ref, source_raw
      FROM plugin_update_queue WHERE id = ${id}::uuid FOR UPDATE`
  )[0];

/**
 * Applies a pending update in ONE transaction with row locks (queue row, then the plugin row): the plugin's
 * installed_sha becomes exactly the approved latest_sha (never a fresh resolve), the queue row becomes applied,
 * and the `plugin.update.applied` event is written to the outbox (publish it after commit with
 * {@link drainEventOutbox}). Concurrent applies of one id serialise on the lock: one applies, the rest see
 * `already_applied`. Refuses (conflict) when the plugin's installed_sha is no longer the one the drift was
 * detected against, or the plugin row is gone.
 *
 * @param id A UUID (validated by the caller).
 */
export async function applyUpdate(sql: Sql, id: string): Promise<ApplyOutcome> {
  return retryingTransaction<ApplyOutcome>(sql, async (tx) => {
    const row = await lockQueueRow(tx, id);
    if (!row) return { kind: "not_found" };
    if (row.status === "applied") return { kind: "already_applied", update: decided(row) };
    if (row.status !== "pending") {
      return {
        kind: "conflict",
        reason: row.status,
        message: `update ${id} is ${row.status}, it cannot be applied`,
      };
    }
    const [plugin] = await tx<
      { id: string; installed_sha: string | null; source_raw: string; tracked_ref: string }[]
    >`
      SELECT id, installed_sha, source_raw, tracked_ref FROM workspace_plugins
      WHERE workspace_id = ${row.workspace_id}::uuid AND plugin_name = ${row.plugin_name} FOR UPDATE`;
    if (!plugin) {
      return {
        kind: "conflict",
        reason: "plugin_missing",
        message: `plugin ${row.plugin_name} is no longer installed`,
      };
    }
    if (
      plugin.tracked_ref !== row.tracked_ref ||
      (row.source_raw !== null && plugin.source_raw !== row.source_raw)
    ) {
      return {
        kind: "conflict",
        reason: "tracking_changed",
        message: `plugin ${row.plugin_name} now follows ${plugin.tracked_ref} of another source than when the drift was detected; the next sweep re-evaluates it`,
      };
    }
    if ((plugin.installed_sha ?? "").toLowerCase() !== row.current_sha.toLowerCase()) {
      return {
        kind: "conflict",
        reason: "installed_changed",
        message: `installed_sha changed since the drift was detected (was ${row.current_sha}, now ${plugin.installed_sha ?? "unknown"}); the next sweep re-evaluates it`,
      };
    }
    await tx`UPDATE workspace_plugins SET installed_sha = ${row.latest_sha}, updated_at = now() WHERE id = ${plugin.id}`;
    const [done] = await tx<{ decided_at: Date }[]>`
      UPDATE plugin_update_queue SET status = 'applied', decided_at = now(), updated_at = now()
      WHERE id = ${row.id} RETURNING decided_at`;
    const decidedAt = done?.decided_at ?? new Date();
    const event: PluginUpdateApplied = {
      workspace_id: row.workspace_id,
      plugin_name: row.plugin_name,
      from_sha: row.current_sha,
      to_sha: row.latest_sha,
      queue_id: row.id,
      applied_at: decidedAt.toISOString(),
    };
    await writeOutboxEvent(tx, PLUGIN_UPDATE_APPLIED, event);
    return { kind: "applied", update: decided(row, decidedAt), event };
  });
}

/**
 * Dismisses a pending update. Dismissing a dismissed row is idempotent; an applied or superseded row is a
 * conflict (its history stays true).
 *
 * @param id A UUID (validated by the caller).
 */
export async function dismissUpdate(sql: Sql, id: string): Promise<DismissOutcome> {
  return retryingTransaction<DismissOutcome>(sql, async (tx) => {
    const row = await lockQueueRow(tx, id);
    if (!row) return { kind: "not_found" };
    if (row.status === "dismissed") return { kind: "already_dismissed", update: decided(row) };
    if (row.status !== "pending") {
      return {
        kind: "conflict",
        reason: row.status,
        message: `update ${id} is ${row.status}, it cannot be dismissed`,
      };
    }
    const [done] = await tx<{ decided_at: Date }[]>`
      UPDATE plugin_update_queue SET status = 'dismissed', decided_at = now(), updated_at = now()
      WHERE id = ${row.id} RETURNING decided_at`;
    return { kind: "dismissed", update: decided(row, done?.decided_at ?? null) };
  });
}
