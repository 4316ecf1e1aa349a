import type { PluginUpdateApplied } from "../events/platform-events";
import type { PluginUpdateRolledBack } from "../rollouts/events";

/**
 * What a decision on a queue row is and what it answers: the actions, who decided and why, the outcome every
 * caller renders (HTTP status and body, CLI line and exit code) and the conflict codes of the admin API.
 * The rules that produce an outcome are decide.ts; the SQL that locks and writes the rows is @drift/db.
 */

/** The states of a `plugin_update_queue` row. */
export type UpdateStatus = "pending" | "applied" | "dismissed" | "superseded" | "rolled_back";

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
  /**
   * The caller's scope: only a row of this workspace is found. Another workspace's row is `not_found`, by the
   * same one-row lookup an unknown id takes (existence is not revealed, in answer or in timing).
   */
  readonly workspaceId?: string;
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
export const CONFLICT_CODES = {
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

/** A refusal with its API code. */
export const conflict = (reason: ConflictReason, message: string): DecisionOutcome => ({
  kind: "conflict",
  reason,
  code: CONFLICT_CODES[reason],
  message,
});
