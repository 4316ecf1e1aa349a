import { createWorkerHandler } from "@drift/aws";
import type { Resolver, SweepStore } from "@drift/core";
import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { captureLogger } from "../support/api";

// The worker Lambda sends notifications after each batch (functions/worker.ts `afterBatch`): it runs once, after
// the records, and its failure never changes the batch's answer.
const event: SQSEvent = {
  Records: [
    {
      messageId: "m-1",
      receiptHandle: "r-1",
      body: "not json",
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "s",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:1:sweep",
      awsRegion: "eu-west-1",
    },
  ],
};

function handler(afterBatch: () => Promise<unknown>, log = captureLogger()) {
  return createWorkerHandler({
    store: {} as SweepStore, // a malformed record is rejected before the store is asked anything
    resolver: {} as Resolver,
    metrics: { sink: { add() {} }, flush() {} },
    log,
    afterBatch,
  });
}

describe("worker afterBatch", () => {
  it("runs once after the records and leaves the batch's answer alone", async () => {
    const calls: string[] = [];
    const result = await handler(async () => calls.push("after"))(event);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
    expect(calls).toEqual(["after"]);
  });

  it("a failing afterBatch is logged, not thrown", async () => {
    const log = captureLogger();
    const result = await handler(async () => {
      throw new Error("database gone");
    }, log)(event);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
    expect(log.text()).toContain('"message":"after-batch step failed","error":"database gone"');
  });
});
