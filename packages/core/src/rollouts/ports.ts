import type { RepositoryRef } from "../web-url";
import type { WaveInput } from "./schema";

/** Rollouts as the use cases (advance.ts) see the database: the port packages/db implements. */

export const ROLLOUT_STATUSES = ["running", "paused", "halted", "completed", "cancelled"] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

/** A rollout to create: the rows (queue ids of one drift) and how to deliver them. */
export interface NewRollout {
  readonly ids: readonly string[];
  readonly waves: readonly WaveInput[];
  readonly maxFailures: number;
  readonly rollbackOnHalt: boolean;
  readonly reason: string | null;
  /** `token`, an IAM principal, `cli`, `policy:<id>`… */
  readonly createdBy: string;
}

export type CreateRolloutResult =
  | { readonly kind: "created"; readonly id: string }
  | { readonly kind: "conflict" | "invalid"; readonly code: string; readonly message: string };

/** What happened to a row the rollout tried to apply or roll back. */
export type RowVerdict = "applied" | "rolled_back" | "left";

/** The rows of a rollout the tick still has to apply (waves started) or roll back (halted). */
export interface RolloutWork {
  readonly id: string;
  readonly latestSha: string;
  readonly toApply: readonly string[];
  readonly toRollBack: readonly string[];
}

export type ReportResult = "recorded" | "not_found" | "not_in_rollout";
export type ControlAction = "pause" | "resume" | "cancel";
export type ControlResult =
  | { readonly kind: "done"; readonly status: RolloutStatus }
  | { readonly kind: "not_found" }
  | { readonly kind: "conflict"; readonly status: RolloutStatus };

/** A health report from the platform. */
export interface HealthReport {
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly ok: boolean;
  readonly detail?: string | undefined;
}

export interface RolloutStore {
  /** One transaction: the rows locked and checked (pending, one drift, in no running rollout), then inserted. */
  create(input: NewRollout, now: Date): Promise<CreateRolloutResult>;
  /**
   * Adds pending rows of its drift to the newest running or paused rollout created by `createdBy` (to its last
   * wave); the rollout's id, or null when there is none.
   */
  extend(createdBy: string, ids: readonly string[], now: Date): Promise<string | null>;
  /** Rollouts with something due at `now`: a soak ended, rows to apply or roll back, failures to halt on. */
  due(now: Date, limit: number): Promise<string[]>;
  /** Waiting rows that were refreshed to another commit or decided by someone else become `left`. */
  markLeft(id: string): Promise<number>;
  /** Halts a running or paused rollout whose failed reports exceed max_failures (event written); true if now. */
  haltIfFailing(id: string, now: Date): Promise<boolean>;
  /**
   * Under the rollout's row lock: starts the next wave if the rollout runs and the last soak ended (event
   * written), or completes it when every wave ran and nothing waits. Two racing callers: one starts it.
   */
  startDueWave(
    id: string,
    now: Date,
  ): Promise<{ readonly started: number | null; readonly completed: boolean }>;
  /** What is left to do for rows of this rollout. */
  work(id: string): Promise<RolloutWork | null>;
  markRow(id: string, queueId: string, verdict: RowVerdict): Promise<void>;
  /** Who last decided a queue row (`rollout:<id>` when a rollout applied it). */
  decidedBy(queueId: string): Promise<string | null>;
  report(id: string, report: HealthReport, now: Date): Promise<ReportResult>;
  /** Changes the status and logs the action by `decidedBy` (one transaction). */
  control(id: string, action: ControlAction, now: Date, decidedBy: string): Promise<ControlResult>;
  get(id: string, now: Date): Promise<RolloutView | null>;
  list(status: RolloutStatus | undefined, now: Date): Promise<RolloutView[]>;
}

/** An apply's verdict; `applied_before`: this rollout had applied it already (a racing tick, a crash). */
export type ApplyVerdict = RowVerdict | "applied_before";

/** The one decision path, as a rollout uses it (`decided_by = rollout:<id>`). */
export interface RolloutDecisions {
  apply(queueId: string, rolloutId: string, latestSha: string): Promise<ApplyVerdict>;
  rollback(queueId: string, rolloutId: string): Promise<RowVerdict>;
  /** Publishes the outbox after commits (events of applies, rollbacks and the rollout itself). */
  publish(): Promise<void>;
}

/** Counts of what happened, for metrics. */
export interface RolloutObserver {
  wavesStarted?(n: number): void;
  halted?(n: number): void;
  rolledBack?(n: number): void;
}

export interface WaveView {
  readonly size: number | string;
  readonly soak: string;
  readonly status: "waiting" | "soaking" | "done" | "stopped";
  readonly started_at: Date | null;
  /** Rows in this wave. */
  readonly rows: number;
  readonly applied: number;
  readonly failed: number;
  readonly left: number;
  readonly rolled_back: number;
}

/** `GET /admin/rollouts/{id}` (CONTRACT fields first). */
export interface RolloutView {
  readonly id: string;
  readonly status: RolloutStatus;
  readonly latest_sha: string;
  readonly repository: RepositoryRef | null;
  readonly tracked_ref: string;
  readonly waves: readonly WaveView[];
  readonly reports: { readonly ok: number; readonly failed: number };
  readonly created_by: string;
  readonly reason: string | null;
  readonly source_raw: string | null;
  readonly plugin_names: readonly string[];
  readonly max_failures: number;
  readonly rollback_on_halt: boolean;
  readonly created_at: Date;
  readonly ended_at: Date | null;
  /** When the current soak ends (the next wave, or completion, is due). */
  readonly next_wave_at: Date | null;
  /** Milliseconds of soak left at the time of reading (0 when due, null when nothing is soaking). */
  readonly soak_remaining_ms: number | null;
  /** Queue ids this rollout applied that are still applied (what "roll back the rollout" rolls back). */
  readonly applied_ids: readonly string[];
}
