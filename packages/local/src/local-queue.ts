import { createHash, randomUUID } from "node:crypto";
import type { RedeliveryDelay } from "@drift/aws";
import type { MessageQueue, SendOptions, SweepMessage } from "@drift/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export interface LocalQueueOptions {
  /** Records per worker invocation (the SQS event source's batch size). */
  readonly batchSize?: number;
  /** Worker invocations running at once (the event source's maximum concurrency). */
  readonly concurrency?: number;
  /** Deliveries before a message goes to the dead-letter list (the redrive policy's maxReceiveCount). */
  readonly maxReceives?: number;
  /** Enqueue every sent message this many times, as SQS's at-least-once delivery may (default 1). */
  readonly duplicateDeliveries?: number;
  /** Each invocation's time limit, told to the worker as Lambda's remaining time (default 120 s, the worker's). */
  readonly invocationTimeoutMs?: number;
  /** Longest redelivery delay honoured (a longer one is shortened to this; default 5 s: a CLI sweep waits). */
  readonly maxRedeliveryDelayMs?: number;
}

interface Stored {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  /** Not delivered before this time (SQS DelaySeconds). */
  visibleAt: number;
  receiveCount: number;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
}

export type SqsHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse | undefined>;

const QUEUE_ARN = "arn:aws:sqs:local:000000000000:drift-sweep-local";

/**
 * An in-process stand-in for SQS + its Lambda event source: `send` enqueues, `drain` delivers real SQSEvent-shaped
 * batches to the worker handler, redelivers the records it reports in `batchItemFailures` (or all of them when it
 * throws), and moves a message to the dead-letter list after `maxReceives` deliveries.
 */
export class LocalQueue implements MessageQueue, RedeliveryDelay {
  readonly deadLetters: DeadLetter[] = [];
  private readonly ready: Stored[] = [];
  /** Delays asked for records of the batch being handled, applied when they are requeued. */
  private readonly delays = new Map<string, number>();
  private readonly options: Required<LocalQueueOptions>;
  deliveries = 0;
  invocations = 0;

  constructor(options: LocalQueueOptions = {}) {
    this.options = {
      batchSize: 5,
      concurrency: 2,
      maxReceives: 3,
      duplicateDeliveries: 1,
      maxRedeliveryDelayMs: 5_000,
      invocationTimeoutMs: 120_000,
      ...options,
    };
  }

  /** The local ChangeMessageVisibility: the record comes back no sooner than `delayMs` from now. */
  async retryAfter(record: SQSRecord, delayMs: number): Promise<void> {
    this.delays.set(record.messageId, Math.min(Math.max(0, delayMs), this.options.maxRedeliveryDelayMs));
  }

  async send(messages: readonly SweepMessage[], options?: SendOptions): Promise<void> {
    for (const m of messages) {
      for (let i = 0; i < this.options.duplicateDeliveries; i++) {
        this.sendRaw(JSON.stringify(m), options?.delaySeconds);
      }
    }
  }

  /** Enqueues any body, as a producer (or a broken one) could, optionally held back `delaySeconds`. */
  sendRaw(body: string, delaySeconds = 0): string {
    const messageId = randomUUID();
    const sentAt = Date.now();
    this.ready.push({ messageId, body, sentAt, visibleAt: sentAt + delaySeconds * 1000, receiveCount: 0 });
    return messageId;
  }

  /** Takes up to `n` messages whose delay is over. */
  private takeVisible(n: number): Stored[] {
    const now = Date.now();
    const taken: Stored[] = [];
    for (let i = 0; i < this.ready.length && taken.length < n; ) {
      const m = this.ready[i] as Stored;
      if (m.visibleAt <= now) {
        taken.push(m);
        this.ready.splice(i, 1);
      } else i++;
    }
    return taken;
  }

  get depth(): number {
    return this.ready.length;
  }

  /** Delivers until the queue is empty. Resolves when every message was acknowledged or dead-lettered. */
  async drain(handler: SqsHandler, onProgress?: (acked: number) => void): Promise<void> {
    let acked = 0;
    const worker = async () => {
      for (;;) {
        const batch = this.takeVisible(this.options.batchSize);
        if (batch.length === 0) return;
        for (const m of batch) m.receiveCount += 1;
        this.deliveries += batch.length;
        this.invocations += 1;
        let failed: Set<string>;
        try {
          const response = await handler(toEvent(batch), invocationContext(this.options.invocationTimeoutMs));
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch {
          failed = new Set(batch.map((m) => m.messageId));
        }
        for (const m of batch) {
          if (!failed.has(m.messageId)) acked += 1;
          else if (m.receiveCount >= this.options.maxReceives) {
            this.deadLetters.push({ messageId: m.messageId, body: m.body, receiveCount: m.receiveCount });
          } else {
            m.visibleAt = Date.now() + (this.delays.get(m.messageId) ?? 0);
            this.ready.push(m);
          }
          this.delays.delete(m.messageId);
        }
        onProgress?.(acked);
      }
    };
    // Workers stop when they find the queue empty; redelivered messages are picked up by whoever is still running,
    // and the loop below restarts workers while anything is left.
    while (this.ready.length > 0) {
      await Promise.all(Array.from({ length: this.options.concurrency }, worker));
      // Only delayed messages left: wait until the first of them is due.
      if (this.ready.length === 0) break;
      const next = Math.min(...this.ready.map((m) => m.visibleAt));
      if (next > Date.now()) await new Promise((r) => setTimeout(r, next - Date.now()));
    }
  }
}

/** The Lambda context of one local invocation: what the worker reads of it is the time left. */
function invocationContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "drift-worker-local",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:drift-worker-local",
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: "local",
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function toEvent(batch: readonly Stored[]): SQSEvent {
  return {
    Records: batch.map(
      (m): SQSRecord => ({
        messageId: m.messageId,
        receiptHandle: `local-${m.messageId}-${m.receiveCount}`,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: "LOCAL",
          ApproximateFirstReceiveTimestamp: String(m.sentAt),
        },
        messageAttributes: {},
        md5OfBody: createHash("md5").update(m.body).digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: QUEUE_ARN,
        awsRegion: "local",
      }),
    ),
  };
}
