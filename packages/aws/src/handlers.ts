import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import {
  DEFAULT_DISPATCH_CONFIG,
  DEFAULT_WORKER_CONFIG,
  type Deferrals,
  type DispatchConfig,
  type DispatchSummary,
  dispatchSweep,
  type Log,
  MalformedMessageError,
  type MessageQueue,
  Metric,
  type MetricsSink,
  type PolicyStep,
  processSweepMessage,
  type Resolver,
  type ReviewStore,
  type SweepStore,
  type WorkerConfig,
} from "@drift/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { heapCollector } from "./heap";

/** Where a handler's metrics go, and how they are flushed at the end of an invocation. */
export interface HandlerMetrics {
  readonly sink: MetricsSink;
  flush(): void;
}

export interface DispatcherHandlerDeps {
  readonly store: SweepStore;
  readonly queue: MessageQueue;
  readonly metrics: HandlerMetrics;
  readonly log: Log;
  readonly config?: Partial<DispatchConfig>;
  /**
   * Hourly housekeeping after the dispatch (e.g. publishing events an apply left in the outbox). Its failure is
   * logged, never thrown: it must not fail the sweep.
   */
  readonly afterDispatch?: () => Promise<unknown>;
  /** Why no sweep can run now, or null (credentialsPreflight: the GitHub credentials secret is still empty). */
  readonly preflight?: () => Promise<string | null>;
  /** Between mapping pages; by default a collection once the heap grew by 32 MiB (heap.ts `heapCollector`). */
  readonly betweenPages?: () => void;
}

/**
 * The dispatcher Lambda. Its input is whatever the schedule sends (SST's cron sends `{}`); it reads nothing from
 * it, so a duplicate or hand-made event behaves like a scheduled one (the sweep guard dedupes).
 */
export function createDispatcherHandler(deps: DispatcherHandlerDeps) {
  const config = { ...DEFAULT_DISPATCH_CONFIG, ...deps.config };
  return async (_event?: unknown): Promise<DispatchSummary> => {
    try {
      const betweenPages = deps.betweenPages ?? heapCollector();
      return await dispatchSweep({ ...deps, metrics: deps.metrics.sink, betweenPages }, config);
    } finally {
      await deps
        .afterDispatch?.()
        .catch((error: unknown) =>
          deps.log.warn("after-dispatch housekeeping failed", { error: (error as Error).message }),
        );
      deps.metrics.flush();
    }
  };
}

/**
 * Delays the redelivery of a record the worker reports as failed (SQS: ChangeMessageVisibility on its receipt
 * handle; the local queue: a delayed redelivery). Without it, the queue's visibility timeout decides.
 */
export interface RedeliveryDelay {
  retryAfter(record: SQSRecord, delayMs: number): Promise<void>;
}

export interface WorkerHandlerDeps {
  readonly store: SweepStore;
  readonly resolver: Resolver;
  /** Where review packets of drifts are kept (gathered when the resolver offers `review`). */
  readonly reviews?: ReviewStore;
  /** Cooling down and policy auto-apply after each message (@drift/core createPolicyStep). */
  readonly policies?: PolicyStep;
  readonly metrics: HandlerMetrics;
  readonly log: Log;
  readonly config?: Partial<WorkerConfig>;
  readonly redelivery?: RedeliveryDelay;
  /**
   * After the batch (e.g. sending the notifications its drift opened). Its failure is logged, never thrown: the
   * batch's result stands.
   */
  readonly afterBatch?: () => Promise<unknown>;
  /** The worker's clock (first sightings, backoff); tests inject one. */
  readonly now?: () => Date;
  /** The re-check queue that targets answered too late go back to with a short backoff (core deferral.ts). */
  readonly deferrals?: Deferrals;
}

/** A message whose targets partly failed transiently: reported in batchItemFailures so SQS redelivers it. */
export class RetryLaterError extends Error {
  override readonly name = "RetryLaterError";
}

/** Asks the queue to hold the record back; a failure to do so only means the default visibility timeout. */
async function delayRedelivery(deps: WorkerHandlerDeps, record: SQSRecord, delayMs: number | undefined) {
  if (!deps.redelivery || delayMs === undefined) return;
  try {
    await deps.redelivery.retryAfter(record, delayMs);
  } catch (error) {
    deps.log.warn("could not delay the redelivery", {
      messageId: record.messageId,
      error: (error as Error).message,
    });
  }
}

/**
 * The worker Lambda: each SQS record is one sweep message, processed on its own; only the records that failed
 * (transient failures, or malformed bodies that must reach the DLQ) are returned in `batchItemFailures`.
 */
export function createWorkerHandler(deps: WorkerHandlerDeps) {
  const config = { ...DEFAULT_WORKER_CONFIG, ...deps.config };
  const recordHandler = async (record: SQSRecord, context?: Context) => {
    const attempt = Number(record.attributes?.ApproximateReceiveCount) || 1;
    try {
      const result = await processSweepMessage(
        {
          store: deps.store,
          resolver: deps.resolver,
          metrics: deps.metrics.sink,
          log: deps.log,
          ...(deps.reviews ? { reviews: deps.reviews } : {}),
          ...(deps.policies ? { policies: deps.policies } : {}),
          ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
          ...(deps.now ? { now: deps.now } : {}),
          ...(deps.deferrals ? { deferrals: deps.deferrals } : {}),
        },
        record.body,
        attempt,
        config,
      );
      if (result.retry) {
        await delayRedelivery(deps, record, result.retryAfterMs);
        throw new RetryLaterError(
          `${result.retrying} target(s) failed transiently; message will be redelivered`,
        );
      }
      return result;
    } catch (error) {
      if (error instanceof MalformedMessageError) {
        deps.metrics.sink.add(Metric.MessagesRejected, "Count", 1);
        deps.log.error("malformed message rejected", { messageId: record.messageId, reason: error.message });
      } else if (!(error instanceof RetryLaterError)) {
        deps.log.error("message failed", { messageId: record.messageId, error: (error as Error).message });
      }
      throw error;
    }
  };
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    // One processor per invocation: it keeps the batch's failures in instance state, and the local runner
    // invokes this handler concurrently (Lambda never does within one container, but nothing here assumes it).
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(event, recordHandler, processor, {
        ...(context ? { context } : {}),
        throwOnFullBatchFailure: false,
      });
    } finally {
      await deps
        .afterBatch?.()
        .catch((error: unknown) =>
          deps.log.warn("after-batch step failed", { error: (error as Error).message }),
        );
      deps.metrics.flush();
    }
  };
}
