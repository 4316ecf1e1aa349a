import { type BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF } from "./backoff";
import { deadlineSignal } from "./deadline";
import { type Deferrals, requeueAnsweredTooLate } from "./deferral";
import { Metric } from "./metrics";
import type { PolicyStep } from "./policy";
import type { Log, MetricsSink, SweepStore, TargetOutcome, TargetState } from "./ports";
import { newUsage, type Resolution, type Resolver, type ResolveUsage } from "./resolution";
import { prefetchReviews, type ReviewStore, reviewDrifts } from "./review";
import { SHA_PATTERN } from "./sha";
import { parseSweepMessage } from "./sweep-message";
import type { Target } from "./target";
import { emitSupplyChainMetrics, emitUsageMetrics } from "./usage-metrics";

export interface WorkerConfig {
  /** Deliveries after which transient failures are accepted (left for the next sweep) instead of retried. */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /**
   * A rate limit lifting within this long hands the message back to the queue, to be retried once it lifts (the
   * drift is found within the hour); a later one is left for the sweep after the limit.
   */
  readonly requeueRateLimitedWithinMs: number;
  /** Delay before a message with transient failures is redelivered: this, times the delivery number. */
  readonly transientRetryDelayMs: number;
  /** Longest rate-limit wait spent inside the invocation (a longer one hands the message back instead). */
  readonly maxRateLimitWaitMs: number;
  /** Time kept free after such a wait, to resolve again and record: the wait never runs into the timeout. */
  readonly invocationReserveMs: number;
  /**
   * Lookups stop this long before the invocation ends (what is unresolved then is deferred to the next sweep),
   * leaving the time to record what was resolved.
   */
  readonly lookupMarginMs: number;
}

export const DEFAULT_WORKER_CONFIG: WorkerConfig = {
  maxAttempts: 3,
  backoff: DEFAULT_BACKOFF,
  requeueRateLimitedWithinMs: 20 * 60_000,
  transientRetryDelayMs: 15_000,
  maxRateLimitWaitMs: 10_000,
  invocationReserveMs: 30_000,
  lookupMarginMs: 15_000,
};

export interface WorkerDeps {
  readonly store: SweepStore;
  readonly resolver: Resolver;
  readonly metrics: MetricsSink;
  readonly log: Log;
  readonly now?: () => Date;
  /** Where review packets are kept; with a resolver that offers `review`, drifts get their packet. */
  readonly reviews?: ReviewStore;
  /** Cooling down and auto-apply of the message's drifts, after the packets (never fails the message). */
  readonly policies?: PolicyStep;
  /** What is left of the invocation (Lambda's getRemainingTimeInMillis); unknown: never wait in it. */
  readonly remainingMs?: () => number;
  /** Where targets answered too late go back with a short backoff (absent: they wait for the next sweep). */
  readonly deferrals?: Deferrals;
}

export interface MessageResult {
  readonly sweepId: string;
  readonly seq: number;
  readonly resolved: number;
  readonly failed: number;
  readonly deferred: number;
  /** Targets that failed transiently and are retried by redelivering the message. */
  readonly retrying: number;
  /** Targets this sweep had already finished (a redelivery): not looked up again. */
  readonly alreadyDone: number;
  /** Targets answered too late and sent back to the re-check queue with a delay (core deferral.ts). */
  readonly requeued: number;
  readonly drift: { new: number; refreshed: number; superseded: number };
  /** True when the caller must report the message as failed so the queue redelivers it. */
  readonly retry: boolean;
  /** With `retry`: redeliver no sooner than this (a rate limit's reset, or the transient retry delay). */
  readonly retryAfterMs?: number;
}

/**
 * The worker's job for one queue message: validate it, skip targets this sweep already finished, resolve the rest
 * in one resolver call, and record everything in one transaction. Replays change nothing more. A malformed body
 * throws MalformedMessageError (the message fails alone and ends in the DLQ).
 */
export async function processSweepMessage(
  deps: WorkerDeps,
  body: string,
  attempt: number,
  config: WorkerConfig = DEFAULT_WORKER_CONFIG,
): Promise<MessageResult> {
  const { message, targets } = parseSweepMessage(body);
  const now = deps.now?.() ?? new Date();
  const unique = [...new Map(targets.map((t) => [t.key, t])).values()];
  const state = await deps.store.loadTargetState(unique.map((t) => t.key));
  const todo = unique.filter((t) => state.get(t.key)?.lastSweepId !== message.sweepId);

  // Counted by the resolver per request it makes for this call (other messages share the resolver).
  const usage: ResolveUsage = newUsage();
  // Lookups end before the invocation does: what is still unresolved then is deferred, and the rest recorded.
  const signal = deps.remainingMs ? deadlineSignal(deps.remainingMs() - config.lookupMarginMs) : undefined;
  const resolve = (targets: typeof todo) =>
    deps.resolver.resolve(
      targets.map((target) => ({ target, known: state.get(target.key) })),
      signal,
      usage,
    );
  const resolutions = todo.length ? await resolve(todo) : new Map<string, Resolution>();
  await retryAfterShortLimit(deps, config, todo, resolutions, resolve);

  const final = attempt >= config.maxAttempts;
  const outcomes: TargetOutcome[] = todo.map((target) => {
    const resolution = checked(
      target,
      resolutions.get(target.key) ?? {
        status: "failed",
        kind: "transient",
        message: "resolver returned no answer for this target",
      },
    );
    return outcomeFor(target, resolution, state.get(target.key), message.sweepId, now, final, config);
  });
  const retrying = outcomes.filter((o) => !o.finished).length;
  const fetch = deps.resolver.review;
  const reviews = deps.reviews && fetch ? { store: deps.reviews, fetch, usage, signal } : undefined;
  // The packets of the drifts about to be recorded are fetched meanwhile (their round trip overlaps the write),
  // which starts once their guess is read: beside it, the guess waited for a pool connection (W1: 200 ms).
  const early = prefetchReviews(reviews, todo, resolutions, deps.log);
  await early.asked;
  const opts = { final, retrying, seenAt: now };
  const recorded = await deps.store.recordOutcomes(message.sweepId, message.seq, outcomes, opts);
  const tried = await early.tried;
  // After the commit: what was answered too late is already due at the next sweep, whatever the re-queue does.
  const requeue = deps.deferrals
    ? await requeueAnsweredTooLate({ ...deps, deferrals: deps.deferrals }, message, outcomes)
    : { requeued: 0 };

  const result: MessageResult = {
    sweepId: message.sweepId,
    seq: message.seq,
    resolved: outcomes.filter((o) => o.resolution.status === "resolved").length,
    failed: outcomes.filter((o) => o.resolution.status === "failed" && o.resolution.kind !== "deferred")
      .length,
    deferred: outcomes.filter((o) => o.resolution.status === "failed" && o.resolution.kind === "deferred")
      .length,
    retrying,
    alreadyDone: unique.length - todo.length,
    requeued: requeue.requeued,
    drift: recorded.drift,
    retry: retrying > 0,
    ...(retrying > 0 ? { retryAfterMs: retryDelayMs(outcomes, now, attempt, config) } : {}),
  };
  // After the drift rows are committed, what the guess missed: a packet never blocks them (nor fails the message).
  if (reviews) await reviewDrifts(reviews, unique, resolutions, deps.log, tried);
  await runPolicies(
    deps,
    unique.map((t) => t.key),
  );
  emitMessageMetrics(deps, outcomes, result, usage, recorded.sweepCompleted?.durationMs);
  emitSupplyChainMetrics(deps.metrics, recorded);
  if (recorded.recheckDone)
    deps.metrics.add(Metric.DetectionLatency, "Milliseconds", recorded.recheckDone.latencyMs);
  deps.log.info("message processed", { ...result, attempt });
  return result;
}

/**
 * A rate limit lifting soon compared with what is left of the invocation (a secondary limit's `retry-after: 1`):
 * wait for it here and resolve those targets once more, instead of handing the message back. Never waits past
 * the invocation's end less `invocationReserveMs`.
 */
async function retryAfterShortLimit(
  deps: WorkerDeps,
  config: WorkerConfig,
  todo: readonly Target[],
  resolutions: Map<string, Resolution>,
  resolve: (targets: Target[]) => Promise<Map<string, Resolution>>,
): Promise<void> {
  const limited = todo.filter((t) => {
    const r = resolutions.get(t.key);
    return r?.status === "failed" && r.kind === "rate_limited" && r.retryAt !== undefined;
  });
  if (limited.length === 0 || !deps.remainingMs) return;
  const now = Date.now();
  const waitMs = Math.max(
    0,
    ...limited.map((t) => {
      const r = resolutions.get(t.key);
      return r?.status === "failed" && r.retryAt ? r.retryAt.getTime() - now : 0;
    }),
  );
  if (waitMs > config.maxRateLimitWaitMs || waitMs + config.invocationReserveMs > deps.remainingMs()) return;
  deps.log.info("waiting for a rate limit inside the invocation", { waitMs, targets: limited.length });
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  for (const [key, value] of await resolve(limited)) resolutions.set(key, value);
}

const COMMIT_ID = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/i;

/**
 * A commit id that is not 40 or 64 hex characters would become a false drift: refuse it at the boundary.
 * (A `sha:` pin resolves to itself and may be abbreviated, 7 to 64 characters, as the platform's row format allows.)
 */
function checked(target: TargetOutcome["target"], resolution: Resolution): Resolution {
  if (resolution.status !== "resolved") return resolution;
  if ((target.ref.type === "sha" ? SHA_PATTERN : COMMIT_ID).test(resolution.sha)) return resolution;
  return { status: "failed", kind: "invalid", message: "the host answered with a malformed commit id" };
}

/** When to redeliver a message with unfinished targets: after the latest rate limit it waits for, at least. */
function retryDelayMs(outcomes: readonly TargetOutcome[], now: Date, attempt: number, config: WorkerConfig) {
  let ms = config.transientRetryDelayMs * attempt;
  for (const o of outcomes) {
    if (!o.finished && o.resolution.status === "failed" && o.resolution.retryAt)
      ms = Math.max(ms, o.resolution.retryAt.getTime() - now.getTime());
  }
  return ms;
}

function outcomeFor(
  target: TargetOutcome["target"],
  resolution: Resolution,
  prior: TargetState | undefined,
  sweepId: string,
  now: Date,
  final: boolean,
  config: WorkerConfig,
): TargetOutcome {
  if (resolution.status === "resolved") {
    return { target, resolution, consecutiveFailures: 0, nextCheckAt: null, finished: true };
  }
  const before = prior?.consecutiveFailures ?? 0;
  if (resolution.kind === "deferred" || resolution.scope === "host") {
    return { target, resolution, consecutiveFailures: before, nextCheckAt: null, finished: true };
  }
  // A failure counts once per sweep, however many deliveries it takes.
  const failures = prior?.lastAttemptSweepId === sweepId ? Math.max(before, 1) : before + 1;
  if (resolution.kind === "rate_limited") {
    // Soon lifted: the message comes back after the limit and finds the drift within the hour.
    const soon =
      resolution.retryAt !== undefined &&
      resolution.retryAt.getTime() - now.getTime() <= config.requeueRateLimitedWithinMs;
    return {
      target,
      resolution,
      consecutiveFailures: failures,
      nextCheckAt: resolution.retryAt ?? null,
      finished: final || !soon,
    };
  }
  const nextCheckAt = new Date(now.getTime() + backoffDelayMs(failures, config.backoff));
  const finished = resolution.kind !== "transient" || final;
  return { target, resolution, consecutiveFailures: failures, nextCheckAt, finished };
}

function emitMessageMetrics(
  deps: WorkerDeps,
  outcomes: readonly TargetOutcome[],
  result: MessageResult,
  usage: ResolveUsage,
  sweepDurationMs: number | undefined,
): void {
  const m = deps.metrics;
  m.add(Metric.TargetsResolved, "Count", result.resolved);
  m.add(Metric.TargetsDeferred, "Count", result.deferred);
  const byKind = new Map<string, number>();
  // Once per target per sweep: a failure is counted when the sweep is done with the target, not at every
  // delivery that retries it (a redelivered message would otherwise count it again).
  for (const o of outcomes) {
    if (o.finished && o.resolution.status === "failed" && o.resolution.kind !== "deferred") {
      byKind.set(o.resolution.kind, (byKind.get(o.resolution.kind) ?? 0) + 1);
    }
  }
  for (const [kind, n] of byKind) m.add(Metric.TargetsFailed, "Count", n, { FailureKind: kind });
  m.add(Metric.DriftNew, "Count", result.drift.new);
  m.add(Metric.DriftRefreshed, "Count", result.drift.refreshed);
  m.add(Metric.DriftSuperseded, "Count", result.drift.superseded);
  emitUsageMetrics(m, usage, deps.resolver.stats());
  if (sweepDurationMs !== undefined) {
    m.add(Metric.SweepsCompleted, "Count", 1);
    m.add(Metric.SweepDuration, "Milliseconds", sweepDurationMs);
  }
}

/** The policy step after the drift rows and packets are stored; a failure is logged (the next sweep retries). */
async function runPolicies(deps: WorkerDeps, keys: readonly string[]): Promise<void> {
  if (!deps.policies) return;
  try {
    const done = await deps.policies(keys);
    deps.metrics.add(Metric.UpdatesAutoApplied, "Count", done.autoApplied);
    deps.metrics.add(Metric.UpdatesCoolingDown, "Count", done.coolingDown);
    for (const [kind, n] of Object.entries(done.integrity ?? {}))
      if (n) deps.metrics.add(Metric.IntegrityEvents, "Count", n, { IntegrityKind: kind });
  } catch (error) {
    deps.log.warn("policy step failed; the next sweep retries", {
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}
