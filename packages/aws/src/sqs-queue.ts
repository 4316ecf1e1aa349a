import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { chunkItems, type MessageQueue, type SweepMessage } from "@drift/core";
import type { SQSRecord } from "aws-lambda";
import type { RedeliveryDelay } from "./handlers";

/** SQS limits for SendMessageBatch. */
export const SQS_MAX_ENTRIES = 10;
export const SQS_MAX_BATCH_BYTES = 1024 * 1024;

export interface SqsQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Attempts per entry (a whole failed call counts as one attempt for each of its entries). */
  readonly maxAttempts?: number;
  /** Base delay between attempts, doubled each time. */
  readonly retryDelayMs?: number;
}

/** A message SQS refused for good (SenderFault) or that kept failing: the dispatch fails loudly. */
export class SendFailedError extends Error {
  override readonly name = "SendFailedError";
}

/**
 * The dispatcher's queue on SQS: SendMessageBatch with at most 10 entries and 1 MiB per call. Entries listed in
 * `Failed[]` of a successful call are retried (with backoff), and so is a call that throws; a sender fault (e.g.
 * a message too large) is not retried and fails the dispatch. Ids are the message seq, so a retry is traceable.
 */
export function createSqsQueue(options: SqsQueueOptions): MessageQueue {
  const maxAttempts = options.maxAttempts ?? 5;
  const delay = options.retryDelayMs ?? 200;
  return {
    async send(messages, sendOptions) {
      for (const batch of packBatches(messages, sendOptions?.delaySeconds)) {
        let pending = batch;
        for (let attempt = 1; pending.length > 0; attempt++) {
          if (attempt > maxAttempts) {
            throw new SendFailedError(
              `SQS did not accept ${pending.length} message(s) after ${maxAttempts} attempts`,
            );
          }
          if (attempt > 1) await new Promise((r) => setTimeout(r, delay * 2 ** (attempt - 2)));
          let failedIds: Set<string>;
          try {
            const out = await options.client.send(
              new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: pending }),
            );
            const fatal = (out.Failed ?? []).filter((f) => f.SenderFault);
            if (fatal.length > 0) {
              throw new SendFailedError(
                `SQS rejected message(s) ${fatal.map((f) => `${f.Id}: ${f.Code} ${f.Message ?? ""}`).join("; ")}`,
              );
            }
            failedIds = new Set((out.Failed ?? []).map((f) => f.Id ?? ""));
          } catch (error) {
            if (error instanceof SendFailedError) throw error;
            failedIds = new Set(pending.map((e) => e.Id ?? ""));
          }
          pending = pending.filter((e) => failedIds.has(e.Id ?? ""));
        }
      }
    },
  };
}

/** Splits messages into SendMessageBatch calls of ≤ 10 entries and ≤ 1 MiB of bodies (DelaySeconds on each, if any). */
export function packBatches(
  messages: readonly SweepMessage[],
  delaySeconds?: number,
): SendMessageBatchRequestEntry[][] {
  const entries = messages.map((m) => ({
    Id: `m${m.seq}`,
    MessageBody: JSON.stringify(m),
    ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}),
  }));
  return chunkItems(entries, {
    maxItems: SQS_MAX_ENTRIES,
    maxWeight: SQS_MAX_BATCH_BYTES,
    weightOf: (e) => Buffer.byteLength(e.MessageBody),
  });
}

/** SQS caps a message's visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** The queue URL of an SQS event record (`arn:aws:sqs:REGION:ACCOUNT:NAME`), for calls on its receipt handle. */
export function queueUrlOfRecord(record: Pick<SQSRecord, "eventSourceARN">): string {
  const [, , , region, account, name] = record.eventSourceARN.split(":");
  if (!region || !account || !name) throw new Error(`not an SQS queue ARN: ${record.eventSourceARN}`);
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/**
 * Redelivery delays on SQS: the worker reports the record failed, and ChangeMessageVisibility on its receipt
 * handle makes it visible again after the delay instead of the queue's visibility timeout (722 s).
 */
export function createSqsRedeliveryDelay(client: SQSClient): RedeliveryDelay {
  return {
    async retryAfter(record, delayMs) {
      const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrlOfRecord(record),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
  };
}
