import { Metric } from "./metrics";
import type { Log, MessageQueue, MetricsSink, TargetOutcome } from "./ports";
import { type SweepMessage, toMessageTarget } from "./sweep-message";
import type { Target } from "./target";

/**
 * A short backoff for what a worker did not resolve in time (issue 23): the targets its invocation's deadline cut
 * off, or whose host timed out twice, go back to the re-check queue with a delay (30 s, doubling, at most SQS's
 * 900 s) instead of waiting for the next hourly sweep. After `maxAttempts` they are left to that sweep (counted).
 * Never into the DLQ (the message that deferred them is done), never lost (a failed send leaves them due at the
 * next sweep, as before), never duplicated drift (the drift upsert is idempotent).
 */
export interface DeferralConfig {
  /** Re-queues of the same targets before they are left to the hourly sweep. */
  readonly maxAttempts: number;
  /** Delay of the first re-queue; doubled at each one. */
  readonly baseDelaySeconds: number;
  /** Longest delay (SQS DelaySeconds allows 0 to 900). */
  readonly maxDelaySeconds: number;
}

/** 30, 60, 120, 240, 480, 900 s: six more looks within about half an hour, then the hourly sweep. */
export const DEFAULT_DEFERRAL: DeferralConfig = {
  maxAttempts: 6,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
};

/** The delay of the n-th re-queue (n ≥ 1): base, 2×base, 4×base … capped. */
export function deferralDelaySeconds(attempt: number, config: DeferralConfig = DEFAULT_DEFERRAL): number {
  const n = Math.max(1, Math.min(attempt, 30));
  return Math.min(config.baseDelaySeconds * 2 ** (n - 1), config.maxDelaySeconds);
}

/** Port: records a re-queue as a re-check of its own (its id is the message's `sweepId`; db createRecheckStore). */
export interface DeferralStore {
  /** A re-check row of kind `deferred` for these targets, with its attempt and delay; returns its id. */
  openDeferral(targets: readonly Target[], attempt: number, delaySeconds: number): Promise<string>;
  /** Undoes an open whose message could not be sent. */
  cancelRecheck(recheckId: string): Promise<void>;
}

/** Where deferred targets go: the re-check queue (SQS in AWS, a timer in `drift serve`). */
export interface Deferrals {
  readonly store: DeferralStore;
  readonly queue: MessageQueue;
  readonly config?: Partial<DeferralConfig>;
}

/** A target this delivery is done with that was not answered in time: worth another look shortly. */
export function answeredTooLate(o: TargetOutcome): boolean {
  return o.finished && o.resolution.status === "failed" && o.resolution.timedOut === true;
}

export interface RequeueResult {
  /** Targets sent back to the queue with a delay. */
  readonly requeued: number;
  /** Targets re-queued `maxAttempts` times already (or whose re-queue failed): due at the next sweep. */
  readonly leftToSweep: number;
  readonly delaySeconds?: number;
}

/**
 * Sends the targets of `outcomes` that were answered too late back to the queue, in one message of a new
 * `deferred` re-check, its attempt carried in the message (`d`). Never throws: a failure leaves them to the
 * hourly sweep (they are due then anyway) and is logged and counted.
 */
export async function requeueAnsweredTooLate(
  deps: { readonly deferrals: Deferrals; readonly metrics: MetricsSink; readonly log: Log },
  message: SweepMessage,
  outcomes: readonly TargetOutcome[],
): Promise<RequeueResult> {
  const targets = outcomes.filter(answeredTooLate).map((o) => o.target);
  if (targets.length === 0) return { requeued: 0, leftToSweep: 0 };
  const config = { ...DEFAULT_DEFERRAL, ...deps.deferrals.config };
  const attempt = (message.d ?? 0) + 1;
  const leave = (reason: string, extra: Record<string, unknown> = {}): RequeueResult => {
    deps.metrics.add(Metric.DeferralsLeftToSweep, "Count", targets.length);
    deps.log.warn(`targets answered too late left for the next sweep: ${reason}`, {
      targets: targets.length,
      attempt,
      ...extra,
    });
    return { requeued: 0, leftToSweep: targets.length };
  };
  if (attempt > config.maxAttempts) return leave(`re-queued ${config.maxAttempts} times already`);
  const delaySeconds = deferralDelaySeconds(attempt, config);
  let recheckId: string | undefined;
  try {
    recheckId = await deps.deferrals.store.openDeferral(targets, attempt, delaySeconds);
    const next: SweepMessage = {
      v: 1,
      sweepId: recheckId,
      seq: 0,
      d: attempt,
      targets: targets.map(toMessageTarget),
    };
    await deps.deferrals.queue.send([next], { delaySeconds });
  } catch (error) {
    if (recheckId) await deps.deferrals.store.cancelRecheck(recheckId).catch(() => {});
    return leave("the re-queue failed", { error: error instanceof Error ? error.message : String(error) });
  }
  deps.metrics.add(Metric.DeferralsRequeued, "Count", targets.length);
  deps.log.info("targets answered too late re-queued", {
    recheckId,
    targets: targets.length,
    attempt,
    delaySeconds,
  });
  return { requeued: targets.length, leftToSweep: 0, delaySeconds };
}
