import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createSqsQueue, packBatches, SendFailedError, SQS_MAX_BATCH_BYTES } from "@drift/aws";
import type { SweepMessage } from "@drift/core";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

const SWEEP = "2f1b7c1e-8d5a-4c4e-9a53-6f1d2b3c4d5e";
function message(seq: number, targets = 1, pad = 0): SweepMessage {
  return {
    v: 1,
    sweepId: SWEEP,
    seq,
    targets: Array.from({ length: targets }, (_, i) => ({
      p: "github",
      h: "github",
      o: "o",
      r: `r${i}${"x".repeat(pad)}`.slice(0, 100),
      t: "tag:latest",
    })),
  };
}
const queue = () =>
  createSqsQueue({
    client: new SQSClient({ region: "us-east-1" }),
    queueUrl: "https://sqs.local/q",
    retryDelayMs: 1,
  });
const sentIds = () =>
  sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.Id));

describe("SQS queue adapter", () => {
  it("sends at most 10 entries per SendMessageBatch call", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await queue().send(Array.from({ length: 23 }, (_, i) => message(i)));
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(new Set(sentIds()).size).toBe(23);
  });

  it("keeps each call under 1 MiB of message bodies", () => {
    // 10 messages of ~190 KiB each must not share one call.
    const big = Array.from({ length: 10 }, (_, i) => message(i, 1900, 90));
    const batches = packBatches(big);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) {
      const bytes = b.reduce((n, e) => n + Buffer.byteLength(e.MessageBody ?? ""), 0);
      expect(bytes).toBeLessThanOrEqual(SQS_MAX_BATCH_BYTES);
      expect(b.length).toBeLessThanOrEqual(10);
    }
    expect(batches.flat().length).toBe(10);
  });

  it("retries exactly the entries listed in Failed[] of a successful call", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Failed: [
          { Id: "m2", Code: "InternalError", SenderFault: false },
          { Id: "m5", Code: "ServiceUnavailable", SenderFault: false },
        ],
      })
      .resolves({ Failed: [] });
    await queue().send(Array.from({ length: 6 }, (_, i) => message(i)));
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries?.map((e) => e.Id)).toEqual(["m2", "m5"]);
  });

  it("loses nothing when one batch call throws: the whole call is retried", async () => {
    sqs.on(SendMessageBatchCommand).rejectsOnce(new Error("socket hang up")).resolves({ Failed: [] });
    await queue().send(Array.from({ length: 4 }, (_, i) => message(i)));
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries?.map((e) => e.Id)).toEqual(["m0", "m1", "m2", "m3"]);
  });

  it("fails loudly on a sender fault instead of retrying it forever", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: "m0", Code: "InvalidMessageContents", SenderFault: true }] });
    await expect(queue().send([message(0)])).rejects.toBeInstanceOf(SendFailedError);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it("gives up after the attempt limit with an error naming how many were not accepted", async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error("throttled"));
    await expect(queue().send([message(0), message(1)])).rejects.toThrow(/2 message\(s\) after 5 attempts/);
  });
});
