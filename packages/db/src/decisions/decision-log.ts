import type postgres from "postgres";
import { pgText } from "../pg-text";

/**
 * The write side of the append-only decision log (migration 016): one entry per decision, inserted by the decision
 * path in the decision's own transaction, so every caller (API, CLI, bulk, policies, rollouts) is logged alike.
 */

/** The action an entry records, named by the status a decision moves a row to. */
const ACTIONS: Readonly<Record<string, string>> = {
  applied: "apply",
  dismissed: "dismiss",
  pending: "reopen",
  rolled_back: "rollback",
};

export const actionOf = (toStatus: string): string => ACTIONS[toStatus] ?? toStatus;

/** The queue row as it was when decided (before the status change). */
export interface LoggedRow {
  readonly id: string;
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly current_sha: string;
  readonly latest_sha: string;
  readonly status: string;
}

export interface LogEntryInput {
  readonly toStatus: string;
  readonly decidedBy: string;
  readonly reason: string | null;
  readonly holdUntil: Date | null;
  /** The decided_at the queue row got (one time for the row and its entry). */
  readonly decidedAt: Date | null;
}

/** Appends one entry (inside the caller's transaction). */
export async function appendDecision(
  tx: postgres.TransactionSql,
  row: LoggedRow,
  entry: LogEntryInput,
): Promise<void> {
  await tx`
    INSERT INTO drift_decision_log (queue_id, workspace_id, plugin_name, action, from_status, to_status,
      current_sha, latest_sha, decided_by, reason, hold_until, decided_at)
    VALUES (${row.id}::uuid, ${row.workspace_id}::uuid, ${row.plugin_name}, ${actionOf(entry.toStatus)},
      ${row.status}, ${entry.toStatus}, ${row.current_sha}, ${row.latest_sha},
      ${pgText(entry.decidedBy, 300) ?? "unknown"}, ${entry.reason}, ${entry.holdUntil},
      coalesce(${entry.decidedAt}::timestamptz, now()))`;
}

/** A policy or rollout action (migration 022): not about one queue row, so it names its subject instead. */
export interface ControlEntry {
  readonly subject: "policy" | "rollout";
  /** The policy's or the rollout's id. */
  readonly subjectId: string;
  /** policy_set, policy_rm, rollout_start, rollout_pause, rollout_resume, rollout_cancel, rollout_halt. */
  readonly action: string;
  readonly workspaceId?: string | null;
  readonly pluginName?: string | null;
  readonly fromStatus?: string | null;
  readonly toStatus?: string | null;
  /** What it was and became (a policy before and after; null where there was none). */
  readonly from?: postgres.JSONValue | null;
  readonly to?: postgres.JSONValue | null;
  readonly decidedBy: string;
  readonly reason?: string | null;
}

/** Appends a policy or rollout action (inside the caller's transaction, with the change it records). */
export async function appendControl(tx: postgres.TransactionSql, entry: ControlEntry): Promise<void> {
  const json = (v: postgres.JSONValue | null | undefined) => (v == null ? null : tx.json(v));
  await tx`
    INSERT INTO drift_decision_log (subject, subject_id, action, workspace_id, plugin_name, from_status, to_status,
      from_value, to_value, decided_by, reason)
    VALUES (${entry.subject}, ${entry.subjectId}, ${entry.action}, ${entry.workspaceId ?? null}::uuid,
      ${entry.pluginName ?? null}, ${entry.fromStatus ?? null}, ${entry.toStatus ?? null}, ${json(entry.from)},
      ${json(entry.to)}, ${pgText(entry.decidedBy, 300) ?? "unknown"}, ${pgText(entry.reason, 500) || null})`;
}
