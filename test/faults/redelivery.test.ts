/**
 * Case 1 of issue 10 on AWS: a message handed back to the queue is made visible again after the rate limit
 * (ChangeMessageVisibility on its receipt handle), not after the queue's 722 s visibility timeout.
 */
import { ChangeMessageVisibilityCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createSqsRedeliveryDelay, queueUrlOfRecord } from "@drift/aws";
import type { SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

const record = (arn: string): SQSRecord => ({
  messageId: "m1",
  receiptHandle: "AQEB-receipt",
  body: "{}",
  attributes: {
    ApproximateReceiveCount: "1",
    SentTimestamp: "1",
    SenderId: "x",
    ApproximateFirstReceiveTimestamp: "1",
  },
  messageAttributes: {},
  md5OfBody: "",
  eventSource: "aws:sqs",
  eventSourceARN: arn,
  awsRegion: "eu-west-1",
});

describe("SQS redelivery delay", () => {
  it("derives the queue URL from the record's ARN", () => {
    expect(queueUrlOfRecord(record("arn:aws:sqs:eu-west-1:123456789012:drift-sweep"))).toBe(
      "https://sqs.eu-west-1.amazonaws.com/123456789012/drift-sweep",
    );
    expect(queueUrlOfRecord(record("arn:aws-cn:sqs:cn-north-1:123456789012:q"))).toBe(
      "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q",
    );
    expect(() => queueUrlOfRecord(record("not-an-arn"))).toThrow(/not an SQS queue ARN/);
  });

  it("sets the record's visibility to the delay, rounded up to seconds and capped at 12 hours", async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const delay = createSqsRedeliveryDelay(new SQSClient({ region: "eu-west-1" }));
    const r = record("arn:aws:sqs:eu-west-1:123456789012:drift-sweep");
    await delay.retryAfter(r, 1_200);
    await delay.retryAfter(r, 3 * 24 * 3600_000);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/drift-sweep",
        ReceiptHandle: "AQEB-receipt",
        VisibilityTimeout: 2,
      },
      {
        QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/drift-sweep",
        ReceiptHandle: "AQEB-receipt",
        VisibilityTimeout: 43_200,
      },
    ]);
  });
});
