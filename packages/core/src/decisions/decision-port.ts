import type { UpdateStatus } from "./decision";

/**
 * Port: the rows a decision reads and writes, inside ONE transaction with row locks (@drift/db
 * createDecisionStore). The use case (decide.ts) holds the rules; the store only locks, reads and writes.
 */

/** A queue row as a decision sees it, locked (`FOR UPDATE`) until the transaction ends. */
export interface LockedQueueRow {
  readonly id: string;
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly current_sha: string;
  readonly latest_sha: string;
  readonly status: UpdateStatus;
  readonly decided_at: Date | null;
  readonly tracked_ref: string;
  readonly source_raw: string | null;
  readonly ready_at: Date | null;
  /** ready_at is still in the future at the decision's time (the drift is cooling down). */
  readonly cooling: boolean;
}

/** The installed plugin a queue row is about (`workspace_plugins`), locked (`FOR UPDATE`). */
export interface LockedPlugin {
  readonly id: string;
  readonly installed_sha: string | null;
  readonly source_raw: string;
  readonly tracked_ref: string;
}

/** What is stored with a decision: the new status, who, why (raw: the store trims and bounds it), until when. */
export interface DecisionRecord {
  readonly status: UpdateStatus;
  readonly decidedBy: string | undefined;
  readonly reason: string | undefined;
  /** Stored when the reason is empty (reopen says "reopened"). */
  readonly defaultReason?: string;
  readonly holdUntil: Date | null;
}

/** The writes and locked reads of one decision's transaction. */
export interface DecisionTx {
  /** The row's plugin, locked; null when it is no longer installed. */
  lockPlugin(row: LockedQueueRow): Promise<LockedPlugin | null>;
  /** The id of another pending row of the same plugin, if any. */
  otherPending(row: LockedQueueRow): Promise<string | null>;
  /** Records the decision on the row (status, decided_at = now, decided_by, reason, hold); returns decided_at. */
  record(row: LockedQueueRow, record: DecisionRecord): Promise<Date | null>;
  /** Sets the plugin's installed_sha. */
  install(plugin: LockedPlugin, sha: string): Promise<void>;
  /** Writes a platform event to the outbox, published after commit. */
  writeEvent(type: string, detail: object): Promise<void>;
}

export interface DecisionStore {
  /**
   * Runs `body` in one transaction with the queue row `id` locked (null: no such row); retried as a whole on a
   * deadlock or serialization failure (the transaction did nothing). `now` is the time cooling down is judged at
   * (default: the database's now). With `workspaceId`, a row of another workspace is not found (null), by the
   * same lookup (the caller's scope; no existence oracle).
   */
  withLockedRow<T>(
    id: string,
    now: Date | undefined,
    body: (row: LockedQueueRow | null, tx: DecisionTx) => Promise<T>,
    workspaceId?: string,
  ): Promise<T>;
}
