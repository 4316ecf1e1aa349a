import type { Notifier } from "../events/notifier";
import type { EventOutbox } from "../events/outbox-port";
import { PLUGIN_UPDATE_APPLIED, type PluginUpdateApplied } from "../events/platform-events";
import { publishAllPendingEvents, publishPendingEvents } from "../events/publish-events";
import { type Log, silentLog } from "../ports";
import { PLUGIN_UPDATE_ROLLED_BACK, type PluginUpdateRolledBack } from "../rollouts/events";
import { isFullCommitSha } from "../sha";
import {
  conflict,
  type DecidedUpdate,
  type DecisionAction,
  type DecisionOptions,
  type DecisionOutcome,
  type StateChange,
} from "./decision";
import type { DecisionStore, DecisionTx, LockedQueueRow } from "./decision-port";

/**
 * The one decision path for a queue row: {@link decide} (apply, dismiss or reopen, in one transaction with row
 * locks), {@link decideAndPublish} (decide, then publish the applied event after commit) and
 * {@link decideEach} (bulk). The admin API, the CLI and policy auto-apply all go through here and render the
 * one {@link DecisionOutcome}.
 */

const decided = (row: LockedQueueRow, decidedAt: Date | null = row.decided_at): DecidedUpdate => ({
  id: row.id,
  workspace_id: row.workspace_id,
  plugin_name: row.plugin_name,
  previous_sha: row.current_sha,
  installed_sha: row.latest_sha,
  decided_at: decidedAt,
});

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
 * - reopen: a dismissed row becomes pending again (see {@link reopenDismissed}).
 * - rollback: an applied row is undone (see {@link rollbackApplied}).
 *
 * @param id A UUID (validated by the caller).
 * @example
 * const outcome = await decide(createDecisionStore(sql), id, "dismiss", { decidedBy: "cli" });
 */
export async function decide(
  store: DecisionStore,
  id: string,
  action: DecisionAction,
  options: DecisionOptions = {},
): Promise<DecisionOutcome> {
  return store.withLockedRow<DecisionOutcome>(
    id,
    options.now,
    async (row, tx) => {
      if (!row) return { kind: "not_found" };
      if (action === "reopen") return reopenDismissed(tx, row, options);
      if (action === "rollback") return rollbackApplied(tx, row, options);
      const target = action === "apply" ? "applied" : "dismissed";
      if (row.status === target) return { kind: `already_${target}`, update: decided(row) };
      if (row.status !== "pending")
        return conflict(row.status, `update ${id} is ${row.status}, it cannot be ${target}`);
      if (action === "apply") return applyPending(tx, row, options);
      const at = await tx.record(row, {
        status: "dismissed",
        decidedBy: options.decidedBy,
        reason: options.reason,
        holdUntil: options.until ?? null,
      });
      return { kind: "dismissed", update: decided(row, at) };
    },
    options.workspaceId,
  );
}

const installedChanged = (row: LockedQueueRow, installed: string | null, then = "") =>
  conflict(
    "installed_changed",
    `installed_sha changed since the drift was detected (was ${row.current_sha}, now ${installed ?? "unknown"})${then}`,
  );

/**
 * Reopen: a dismissed row (its hold expired or not) becomes pending again when its plugin still has
 * installed_sha = current_sha and no other pending row. The reopen is recorded as the row's last decision.
 */
async function reopenDismissed(
  tx: DecisionTx,
  row: LockedQueueRow,
  options: DecisionOptions,
): Promise<DecisionOutcome> {
  if (row.status !== "dismissed")
    return conflict(row.status, `update ${row.id} is ${row.status}; only a dismissed update can be reopened`);
  const plugin = await tx.lockPlugin(row);
  if (!plugin) return conflict("plugin_missing", `plugin ${row.plugin_name} is no longer installed`);
  if ((plugin.installed_sha ?? "").toLowerCase() !== row.current_sha.toLowerCase())
    return installedChanged(row, plugin.installed_sha);
  const other = await tx.otherPending(row);
  if (other)
    return conflict("pending_exists", `plugin ${row.plugin_name} already has a pending update ${other}`);
  const at = await tx.record(row, {
    status: "pending",
    decidedBy: options.decidedBy,
    reason: options.reason,
    defaultReason: "reopened",
    holdUntil: null,
  });
  return { kind: "reopened", update: decided(row, at) };
}

/**
 * Rollback (CONTRACT "rollback"): an applied row whose plugin still has installed_sha = latest_sha (else
 * `moved_since`: putting the old commit back would undo someone else's change) goes back to current_sha; the row
 * becomes `rolled_back`, which holds that drift as a dismissal without `hold_until` does (the drift statement
 * opens no pending row for it until upstream moves on), and `plugin.update.rolled_back` goes to the outbox.
 */
async function rollbackApplied(
  tx: DecisionTx,
  row: LockedQueueRow,
  options: DecisionOptions,
): Promise<DecisionOutcome> {
  if (row.status === "rolled_back") return { kind: "already_rolled_back", update: decided(row) };
  if (row.status !== "applied")
    return conflict(
      row.status,
      `update ${row.id} is ${row.status}; only an applied update can be rolled back`,
    );
  const plugin = await tx.lockPlugin(row);
  if (!plugin) return conflict("plugin_missing", `plugin ${row.plugin_name} is no longer installed`);
  if ((plugin.installed_sha ?? "").toLowerCase() !== row.latest_sha.toLowerCase())
    return conflict(
      "moved_since",
      `plugin ${row.plugin_name} moved on since the apply (installed ${plugin.installed_sha ?? "unknown"}, not ${row.latest_sha})`,
    );
  await tx.install(plugin, row.current_sha);
  const at = await tx.record(row, {
    status: "rolled_back",
    decidedBy: options.decidedBy,
    reason: options.reason,
    holdUntil: null,
  });
  const decidedAt = at ?? new Date();
  const event: PluginUpdateRolledBack = {
    workspace_id: row.workspace_id,
    plugin_name: row.plugin_name,
    from_sha: row.latest_sha,
    to_sha: row.current_sha,
    queue_id: row.id,
    rolled_back_at: decidedAt.toISOString(),
    decided_by: options.decidedBy ?? "unknown",
  };
  await tx.writeEvent(PLUGIN_UPDATE_ROLLED_BACK, event);
  return { kind: "rolled_back", update: decided(row, decidedAt), event };
}

async function applyPending(
  tx: DecisionTx,
  row: LockedQueueRow,
  options: DecisionOptions,
): Promise<DecisionOutcome> {
  // The queue table is shared with the platform: only a full commit id is ever installed (never echoed back).
  if (!isFullCommitSha(row.latest_sha))
    return conflict(
      "invalid_latest_sha",
      `update ${row.id} has no valid latest_sha (40 or 64 hex characters)`,
    );
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
  const plugin = await tx.lockPlugin(row);
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
  if ((plugin.installed_sha ?? "").toLowerCase() !== row.current_sha.toLowerCase())
    return installedChanged(row, plugin.installed_sha, "; the next sweep re-evaluates it");
  await tx.install(plugin, row.latest_sha);
  const at = await tx.record(row, {
    status: "applied",
    decidedBy: options.decidedBy,
    reason: options.reason,
    holdUntil: null,
  });
  const decidedAt = at ?? new Date();
  const event: PluginUpdateApplied = {
    workspace_id: row.workspace_id,
    plugin_name: row.plugin_name,
    from_sha: row.current_sha,
    to_sha: row.latest_sha,
    queue_id: row.id,
    applied_at: decidedAt.toISOString(),
  };
  await tx.writeEvent(PLUGIN_UPDATE_APPLIED, event);
  return { kind: "applied", update: decided(row, decidedAt), event };
}

/** Where decisions are stored and their consequences go. */
export interface DecisionDeps {
  readonly store: DecisionStore;
  readonly outbox: EventOutbox;
  /** Publishes the applied events after commit. */
  readonly notifier: Notifier;
  /** For publish failures (they never fail the decision: the outbox keeps the event). */
  readonly log?: Log;
  /** Called once per state change (`applied` / `dismissed` / `rolled_back`), after commit: logs, metrics. */
  readonly onDecided?: (outcome: StateChange) => void;
}

const isStateChange = (outcome: DecisionOutcome): outcome is StateChange =>
  outcome.kind === "applied" || outcome.kind === "dismissed" || outcome.kind === "rolled_back";

/** Outcomes that wrote an event for the platform (published after commit). */
const announces = (outcome: DecisionOutcome) => outcome.kind === "applied" || outcome.kind === "rolled_back";

/**
 * The "decide, then tell the platform" step every caller uses: {@link decide}, and after an apply commits,
 * publish the outbox (this event and any an earlier failure left behind) through the notifier.
 *
 * @example
 * const outcome = await decideAndPublish(deps, id, "apply", { decidedBy: "token" });
 */
export async function decideAndPublish(
  deps: DecisionDeps,
  id: string,
  action: DecisionAction,
  options: DecisionOptions = {},
): Promise<DecisionOutcome> {
  const outcome = await decide(deps.store, id, action, options);
  if (isStateChange(outcome)) deps.onDecided?.(outcome);
  if (announces(outcome)) await publishPendingEvents(deps.outbox, deps.notifier, deps.log);
  return outcome;
}

/**
 * Bulk: each id decided exactly as alone ({@link decide}, its own transaction, in the order given: one refusal
 * never blocks the others), then the applied events published after the commits.
 */
export async function decideEach(
  deps: DecisionDeps,
  ids: readonly string[],
  action: DecisionAction,
  options: DecisionOptions = {},
): Promise<DecisionOutcome[]> {
  const outcomes: DecisionOutcome[] = [];
  for (const id of ids) {
    const outcome = await decide(deps.store, id, action, options);
    if (isStateChange(outcome)) deps.onDecided?.(outcome);
    outcomes.push(outcome);
  }
  await publishAllPendingEvents(
    deps.outbox,
    deps.notifier,
    deps.log ?? silentLog,
    outcomes.filter(announces).length,
  );
  return outcomes;
}
