import type { MappedPage, RowPage, RowScope } from "./mapping";
import type { MetricName } from "./metrics";
import type { IntegrityKind } from "./policy";
import type { FailureKind, KnownState, Resolution } from "./resolution";
import type { SweepMessage } from "./sweep-message";
import type { Target } from "./target";

/** Structured logger (Powertools Logger fits; so does the CLI's stderr logger). */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Drops everything (the default where a logger is optional). */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export type MetricUnit = "Count" | "Milliseconds";

/** Where metrics go: CloudWatch EMF in Lambda, a collector locally. Low-cardinality dimensions only. */
export interface MetricsSink {
  add(name: MetricName, unit: MetricUnit, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

/** Options of one send: `delaySeconds` holds the messages back (SQS DelaySeconds, 0 to 900). */
export interface SendOptions {
  readonly delaySeconds?: number;
}

/** Sends sweep messages; adapters honour their transport's limits (SQS: 10 entries, 1 MiB a call). */
export interface MessageQueue {
  send(messages: readonly SweepMessage[], options?: SendOptions): Promise<void>;
}

/** How a start treats a sweep already dispatching. */
export interface StartSweepOptions {
  /** Abandon a dispatching sweep whatever its heartbeat (an operator who knows its process is dead). */
  readonly takeover?: boolean;
  /** A dispatching sweep whose last heartbeat is older than this is dead: abandoned, and the start goes on. */
  readonly deadAfterMs?: number;
}

export type StartSweepResult =
  | { readonly started: true; readonly sweepId: string }
  | { readonly started: false; readonly reason: string; readonly otherSweepId?: string };

export interface DispatchCounts {
  /** Rows in workspace_plugins when the mapping pass ended. */
  rowsScanned: number;
  /** Of which new or changed since the last pass: parsed and written in this one (the others cost nothing). */
  rowsMapped: number;
  rowsSkipped: number;
  rowsInvalid: number;
  targetsDispatched: number;
  messagesSent: number;
  /** Pending updates of plugins the platform re-pointed or stopped tracking (found by the mapping pass). */
  driftSuperseded: number;
}

/** Per-target state the worker needs (REST ETag, last answer, whether this sweep already handled it). */
export interface TargetState extends KnownState {
  /** The sweep that last finished this target (a redelivery of the same sweep skips it). */
  readonly lastSweepId: string | null;
  readonly lastAttemptSweepId: string | null;
  readonly consecutiveFailures: number;
}

/** The outcome of one target in one delivery, as the worker records it. */
export interface TargetOutcome {
  readonly target: Target;
  readonly resolution: Resolution;
  /** Failure count after this outcome (0 when resolved). */
  readonly consecutiveFailures: number;
  /** When the target is due again; null keeps it due at the next sweep. */
  readonly nextCheckAt: Date | null;
  /** True when this sweep is done with the target (resolved, failed for good, deferred). */
  readonly finished: boolean;
}

export interface RecordedMessage {
  readonly drift: { new: number; refreshed: number; superseded: number };
  /** Set when this delivery finished the sweep's last message. */
  readonly sweepCompleted?: { readonly durationMs: number };
  /** New and refreshed pending rows by drift kind (the `DriftKind` dimension of DriftDetected). */
  readonly driftByKind?: Readonly<Record<string, number>>;
  /** Tag-integrity events this delivery recorded, by kind. */
  readonly integrity?: Readonly<Partial<Record<IntegrityKind, number>>>;
  /** Set when this delivery finished a webhook re-check: ms from its first delivery to now. */
  readonly recheckDone?: { readonly latencyMs: number };
}

/** Port: everything the sweep flow reads from and writes to the database. */
export interface SweepStore {
  /**
   * Starts a sweep unless one is dispatching (alive: heartbeat younger than `deadAfterMs`) or one started within
   * `minIntervalMs`; a refusal's reason names the other sweep and its age.
   */
  startSweep(trigger: string, minIntervalMs: number, options?: StartSweepOptions): Promise<StartSweepResult>;
  /** Records that the dispatch of `sweepId` is alive (called after every page of work). */
  heartbeat(sweepId: string): Promise<void>;
  /**
   * The next page (key order, after the cursor `afterId`) of the mapping pass: the distinct values of its rows that
   * need mapping (new rows and rows changed since their last mapping, decided by the store, set-based; unchanged
   * rows are never returned), the rows it covers, and the cursor of the page after it. Null: the pass is done.
   */
  pagePluginRows(afterId: string | null, limit: number): Promise<(RowPage & { next: string }) | null>;
  /**
   * Records a page's mappings for the rows of `scope` that hold the classified values (set-based: no row travels),
   * and supersedes pending updates of plugins re-pointed or no longer followed. `mapped`: rows written.
   */
  recordMappings(page: MappedPage, scope: RowScope): Promise<{ mapped: number; superseded: number }>;
  /**
   * Ends the mapping pass: forgets deleted plugins' mappings, refreshes planner statistics when the pass wrote
   * many rows (`written`), and returns the table's totals (rows, rows skipped and invalid as now recorded).
   */
  finishMapping(written: number): Promise<{ rows: number; skipped: number; invalid: number; pruned: number }>;
  /** Distinct due targets in key order (keyset pagination), so refs of one repository are adjacent. */
  pageDueTargets(afterKey: string | null, limit: number): Promise<Target[]>;
  /** Records the messages about to be sent (before sending: a fast worker must find its row). */
  recordMessages(sweepId: string, messages: readonly { seq: number; targetCount: number }[]): Promise<void>;
  finishDispatch(
    sweepId: string,
    counts: DispatchCounts,
  ): Promise<{ completed: boolean; durationMs: number }>;
  failSweep(sweepId: string, error: string): Promise<void>;
  /** Records an hour's sweep that did not run, and why (e.g. credentials not configured yet). */
  skipSweep(trigger: string, reason: string): Promise<void>;
  loadTargetState(keys: readonly string[]): Promise<Map<string, TargetState>>;
  /**
   * In one transaction: the set-based drift upsert for resolved targets, per-target state (backoff, ETag),
   * the message's counters, and the sweep's completion when this was its last message. `seenAt`: the worker's
   * clock, recorded as `first_seen_at` of every resolved commit not seen before (the cooldown's clock).
   */
  recordOutcomes(
    sweepId: string,
    seq: number,
    outcomes: readonly TargetOutcome[],
    options: { final: boolean; retrying: number; seenAt?: Date },
  ): Promise<RecordedMessage>;
}

export const PERMANENT_FAILURES: ReadonlySet<FailureKind> = new Set(["not_found", "forbidden", "invalid"]);
