// size: the one decision path (apply, dismiss, reopen, their guards and conflict codes) kept in one place.
import {
  isFullCommitSha,
  type Log,
  type Notifier,
  PLUGIN_UPDATE_APPLIED,
  type PluginUpdateApplied,
  type PluginUpdateRolledBack,
} from "@drift/core";
import type postgres from "postgres";
import type { Sql } from "../client";
import { publishPendingEvents, writeOutboxEvent } from "../events/event-outbox";
import { pgText } from "../pg-text";
import type { UpdateStatus } from "../queue/update-store";
import { rollbackApplied } from "./rollback";

/**
 * The one decision path for a queue row: {@link decide} (apply or dismiss, one transaction with row locks) and
 * {@link decideAndPublish} (decide, then publish the applied event after commit). The admin API, the CLI and,
 * later, bulk, reopen and policy auto-apply all go through here and render the one {@link DecisionOutcome}.
 */

export type DecisionAction = "apply" | "dismiss" | "reopen" | "rollback";

/** Who decided and how: stored with the row (decided_by, decision_reason, hold_until). */
export interface DecisionOptions {
  /** `token`, an IAM principal ARN, `cli`, `policy:<id>` or `rollout:<id>`. */
  readonly decidedBy?: string;
  /** Why (any action; at most 500 characters are kept). */
  readonly reason?: string;
  /** Until when a dismissal holds (dismiss). */
  readonly until?: Date;
  /** Apply even while cooling down (apply). */
  readonly force?: boolean;
  /** Apply only if the row still proposes this commit (policy auto-apply judged that one). */
  readonly expectedLatestSha?: string;
  /** The time cooling down is judged at (default: the database's now; tests and the sweep inject a clock). */
  readonly now?: Date;
}

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

/** Why a decision was refused, and the error code the API answers it with. */
const CONFLICT_CODES = {
  dismissed: "update_dismissed",
  superseded: "update_superseded",
  applied: "update_applied",
  installed_changed: "installed_sha_changed",
  tracking_changed: "tracking_changed",
  plugin_missing: "plugin_not_installed",
  cooling_down: "cooling_down",
  latest_changed: "latest_sha_changed",
  pending: "update_pending",
  pending_exists: "pending_exists",
  invalid_latest_sha: "invalid_latest_sha",
  rolled_back: "update_rolled_back",
  moved_since: "moved_since",
} as const;

export type ConflictReason = keyof typeof CONFLICT_CODES;
export type ConflictCode = (typeof CONFLICT_CODES)[ConflictReason];

/** What one decision did; every caller renders this (HTTP status and body, CLI line and exit code). */
export type DecisionOutcome =
  | { readonly kind: "applied"; readonly update: DecidedUpdate; readonly event: PluginUpdateApplied }
  | { readonly kind: "dismissed"; readonly update: DecidedUpdate }
  | { readonly kind: "reopened"; readonly update: DecidedUpdate }
  | { readonly kind: "rolled_back"; readonly update: DecidedUpdate; readonly event: PluginUpdateRolledBack }
  | {
      readonly kind: "already_applied" | "already_dismissed" | "already_rolled_back";
      readonly update: DecidedUpdate;
    }
  | { readonly kind: "not_found" }
  | {
      readonly kind: "conflict";
      readonly reason: ConflictReason;
      readonly code: ConflictCode;
      readonly message: string;
    };

/** An outcome that changed the row (what metrics count and logs announce). */
export type StateChange = Extract<DecisionOutcome, { kind: "applied" | "dismissed" | "rolled_back" }>;

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
  ready_at: Date | null;
  /** ready_at is still in the future (the drift is cooling down). */
  cooling: boolean;
}

const decided = (row: LockedQueueRow, decidedAt: Date | null = row.decided_at): DecidedUpdate => ({
  id: row.id,
  workspace_id: row.workspace_id,
  plugin_name: row.plugin_name,
  previous_sha: row.current_sha,
  installed_sha: row.latest_sha,
  decided_at: decidedAt,
});

const conflict = (reason: ConflictReason, message: string): DecisionOutcome => ({
  kind: "conflict",
  reason,
  code: CONFLICT_CODES[reason],
  message,
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

/**
 * Decides a queue row in ONE transaction with row locks. Concurrent decisions on one id serialise on the queue
 * row's lock: one decides, the rest see `already_…` (or a conflict). Deciding again the way it was decided is
 * idempotent; an applied, dismissed or superseded row cannot be decided the other way (its history stays true).
 *
 * - apply: the plugin's installed_sha becomes exactly the approved latest_sha (never a fresh resolve), the row
 *   becomes applied, and the `plugin.update.applied` event is written to the outbox (publish it after commit:
 *   {@link decideAndPublish}). Refused when the latest_sha is not a full commit id (40 or 64 hex), the plugin
 *   row is gone, follows another source or ref, or its installed_sha is no longer the one the drift was
 *   detected against.
 * - dismiss: the row becomes dismissed.
 *
 * @param id A UUID (validated by the caller).
 * @example
 * const outcome = await decide(sql, id, "dismiss", { decidedBy: "cli" });
 */
export async function decide(
  sql: Sql,
  id: string,
  action: DecisionAction,
  options: DecisionOptions = {},
): Promise<DecisionOutcome> {
  return retryingTransaction<DecisionOutcome>(sql, async (tx) => {
    const [row] = await tx<LockedQueueRow[]>`
      SELECT id, workspace_id, plugin_name, current_sha, latest_sha, status, decided_at, tracked_ref, source_raw,
             ready_at, coalesce(ready_at > coalesce(${options.now ?? null}::timestamptz, now()), false) AS cooling
      FROM plugin_update_queue WHERE id = ${id}::uuid FOR UPDATE`;
    if (!row) return { kind: "not_found" };
    if (action === "reopen") return reopenDismissed(tx, row, options);
    if (action === "rollback") return rollback(tx, row, options);
    const target = action === "apply" ? "applied" : "dismissed";
    if (row.status === target) return { kind: `already_${target}`, update: decided(row) };
    if (row.status !== "pending")
      return conflict(row.status, `update ${id} is ${row.status}, it cannot be ${target}`);
    if (action === "apply") return applyPending(tx, row, options);
    return { kind: "dismissed", update: decided(row, await markDecided(tx, row, "dismissed", options)) };
  });
}

/** The reason as stored: trimmed, at most 500 characters, NUL-free; null when empty. */
const reasonOf = (options: DecisionOptions): string | null => {
  const text = pgText(options.reason?.trim(), 500);
  return text ? text : null;
};

/** Marks a locked row decided (who, why, until when it holds); returns the time it was decided. */
async function markDecided(
  tx: postgres.TransactionSql,
  row: LockedQueueRow,
  status: UpdateStatus,
  options: DecisionOptions,
) {
  const holdUntil = status === "dismissed" ? (options.until ?? null) : null;
  const [done] = await tx<{ decided_at: Date }[]>`
    UPDATE plugin_update_queue SET status = ${status}, decided_at = now(), updated_at = now(),
      decided_by = ${pgText(options.decidedBy, 300) ?? "unknown"}, decision_reason = ${reasonOf(options)},
      hold_until = ${holdUntil}
    WHERE id = ${row.id} RETURNING decided_at`;
  return done?.decided_at ?? null;
}

/** Rollback: an applied row whose plugin is still on its latest_sha goes back to its current_sha (rollback.ts). */
async function rollback(
  tx: postgres.TransactionSql,
  row: LockedQueueRow,
  options: DecisionOptions,
): Promise<DecisionOutcome> {
  if (row.status === "rolled_back") return { kind: "already_rolled_back", update: decided(row) };
  if (row.status !== "applied")
    return conflict(
      row.status,
      `update ${row.id} is ${row.status}; only an applied update can be rolled back`,
    );
  const done = await rollbackApplied(tx, row, options.decidedBy ?? "unknown", reasonOf(options));
  if (done.kind === "plugin_missing")
    return conflict("plugin_missing", `plugin ${row.plugin_name} is no longer installed`);
  if (done.kind !== "rolled_back")
    return conflict(
      "moved_since",
      `plugin ${row.plugin_name} moved on since the apply (installed ${done.installed ?? "unknown"}, not ${row.latest_sha})`,
    );
  return { kind: "rolled_back", update: decided(row, done.decidedAt), event: done.event };
}

/**
 * Reopen: a dismissed row (its hold expired or not) becomes pending again when its plugin still has
 * installed_sha = current_sha and no other pending row. The reopen is recorded as the row's last decision.
 */
async function reopenDismissed(
  tx: postgres.TransactionSql,
  row: LockedQueueRow,
  options: DecisionOptions,
): Promise<DecisionOutcome> {
  if (row.status !== "dismissed")
    return conflict(row.status, `update ${row.id} is ${row.status}; only a dismissed update can be reopened`);
  const [plugin] = await tx<{ installed_sha: string | null }[]>`
    SELECT installed_sha FROM workspace_plugins
    WHERE workspace_id = ${row.workspace_id}::uuid AND plugin_name = ${row.plugin_name} FOR UPDATE`;
  if (!plugin) return conflict("plugin_missing", `plugin ${row.plugin_name} is no longer installed`);
  if ((plugin.installed_sha ?? "").toLowerCase() !== row.current_sha.toLowerCase())
    return conflict(
      "installed_changed",
      `installed_sha changed since the drift was detected (was ${row.current_sha}, now ${plugin.installed_sha ?? "unknown"})`,
    );
  const [other] = await tx<{ id: string }[]>`
    SELECT id FROM plugin_update_queue
    WHERE workspace_id = ${row.workspace_id}::uuid AND plugin_name = ${row.plugin_name} AND status = 'pending'`;
  if (other)
    return conflict("pending_exists", `plugin ${row.plugin_name} already has a pending update ${other.id}`);
  const [done] = await tx<{ decided_at: Date }[]>`
    UPDATE plugin_update_queue SET status = 'pending', hold_until = NULL, updated_at = now(), decided_at = now(),
      decided_by = ${pgText(options.decidedBy, 300) ?? "unknown"}, decision_reason = ${reasonOf(options) ?? "reopened"}
    WHERE id = ${row.id} RETURNING decided_at`;
  return { kind: "reopened", update: decided(row, done?.decided_at ?? null) };
}

async function applyPending(
  tx: postgres.TransactionSql,
  row: LockedQueueRow,
  options: DecisionOptions,
): Promise<DecisionOutcome> {
  // The queue table is shared with the platform: only a full commit id is ever installed (never echoed back).
  if (!isFullCommitSha(row.latest_sha)) {
    return conflict(
      "invalid_latest_sha",
      `update ${row.id} has no valid latest_sha (40 or 64 hex characters)`,
    );
  }
  if (
    options.expectedLatestSha !== undefined &&
    options.expectedLatestSha.toLowerCase() !== row.latest_sha.toLowerCase()
  )
    return conflict("latest_changed", `update ${row.id} now proposes another commit; it is judged again`);
  if (row.cooling && !options.force)
    return conflict(
      "cooling_down",
      `update ${row.id} is cooling down until ${row.ready_at?.toISOString()} (apply with force to override)`,
    );
  const [plugin] = await tx<
    { id: string; installed_sha: string | null; source_raw: string; tracked_ref: string }[]
  >`
    SELECT id, installed_sha, source_raw, tracked_ref FROM workspace_plugins
    WHERE workspace_id = ${row.workspace_id}::uuid AND plugin_name = ${row.plugin_name} FOR UPDATE`;
  if (!plugin) return conflict("plugin_missing", `plugin ${row.plugin_name} is no longer installed`);
  if (
    plugin.tracked_ref !== row.tracked_ref ||
    (row.source_raw !== null && plugin.source_raw !== row.source_raw)
  ) {
    return conflict(
      "tracking_changed",
      `plugin ${row.plugin_name} now follows ${plugin.tracked_ref} of another source than when the drift was detected; the next sweep re-evaluates it`,
    );
  }
  if ((plugin.installed_sha ?? "").toLowerCase() !== row.current_sha.toLowerCase()) {
    return conflict(
      "installed_changed",
      `installed_sha changed since the drift was detected (was ${row.current_sha}, now ${plugin.installed_sha ?? "unknown"}); the next sweep re-evaluates it`,
    );
  }
  await tx`UPDATE workspace_plugins SET installed_sha = ${row.latest_sha}, updated_at = now() WHERE id = ${plugin.id}`;
  const decidedAt = (await markDecided(tx, row, "applied", options)) ?? new Date();
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
}

/** Where a decision's consequences go. */
export interface DecisionEffects extends DecisionOptions {
  /** Publishes the applied event after commit. */
  readonly notifier: Notifier;
  /** For publish failures (they never fail the decision: the outbox keeps the event). */
  readonly log?: Log;
  /** Called once per state change (`applied` / `dismissed` / `rolled_back`), after commit: logs, metrics. */
  readonly onDecided?: (outcome: StateChange) => void;
}

/**
 * The "decide, then tell the platform" step every caller uses: {@link decide}, and after an apply commits,
 * publish the outbox (this event and any an earlier failure left behind) through the notifier.
 *
 * @example
 * const outcome = await decideAndPublish(sql, id, "apply", { notifier, log, decidedBy: "token" });
 */
export async function decideAndPublish(
  sql: Sql,
  id: string,
  action: DecisionAction,
  effects: DecisionEffects,
): Promise<DecisionOutcome> {
  const outcome = await decide(sql, id, action, effects);
  if (outcome.kind === "applied" || outcome.kind === "dismissed" || outcome.kind === "rolled_back")
    effects.onDecided?.(outcome);
  if (outcome.kind === "applied" || outcome.kind === "rolled_back")
    await publishPendingEvents(sql, effects.notifier, effects.log);
  return outcome;
}
