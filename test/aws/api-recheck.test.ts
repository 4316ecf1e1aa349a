/**
 * "Re-check now" in AWS (issue 25): the admin API Lambda sends the failing target to the re-check queue, as the
 * webhook Lambda does (SQS mocked; the queue and recheck bookkeeping on the test database). The IAM statement and
 * the queue URL it needs are asserted in test/infra/components.test.ts.
 */
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createAdminApp } from "@drift/api";
import { createSqsQueue } from "@drift/aws";
import { createApiHandler } from "@drift/aws/api-handler";
import { parseSweepMessage } from "@drift/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN, captureLogger, recordingNotifier } from "../support/api";
import { functionUrlEvent } from "../support/api-events";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/recheck";
vi.stubEnv("AWS_REGION", "eu-west-1");
vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret");

const sqs = mockClient(SQSClient);
let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());
beforeEach(async () => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  await db.sql`TRUNCATE drift_rechecks, drift_recheck_guards`;
});

/** The admin handler as functions/api.ts wires it when DRIFT_QUEUE_URL is set. */
function handler(logger = captureLogger()) {
  const app = createAdminApp({
    sql: db.sql,
    auth: { mode: "bearer", token: ADMIN_TOKEN },
    corsOrigins: [],
    notifier: recordingNotifier(),
    recheckQueue: createSqsQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL, maxAttempts: 1 }),
    logger,
  });
  return createApiHandler(app);
}

const recheck = (key: string) =>
  functionUrlEvent({
    method: "POST",
    path: "/admin/targets/recheck",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ key }),
  });

async function failingTarget(repo: string): Promise<string> {
  const key = `github:github.com/acme/${repo}#branch:main`;
  await db.sql`INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref)
    VALUES (${key}, 'github', 'github.com', 'acme', ${repo}, 'branch:main')`;
  await db.sql`UPDATE drift_targets SET last_error_kind = 'not_found', consecutive_failures = 3,
    last_error = 'repository not found', next_check_at = now() + interval '6 hours' WHERE key = ${key}`;
  return key;
}

describe(`re-check now from the admin API Lambda (${dbLabel})`, () => {
  it("sends the target to the re-check queue at once: one message naming it, recorded as a re-check", async () => {
    const key = await failingTarget("broken-a");
    const res = await handler()(recheck(key));
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ key, queued: true, coalesced: false });
    const sent = sqs.commandCalls(SendMessageBatchCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input.QueueUrl).toBe(QUEUE_URL);
    const entries = sent[0]?.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(1);
    const { message, targets } = parseSweepMessage(entries[0]?.MessageBody ?? "");
    expect(targets.map((t) => t.key)).toEqual([key]);
    const [row] = await db.sql<{ id: string }[]>`SELECT id FROM drift_rechecks`;
    expect(message.sweepId).toBe(row?.id);
    // Made due as well: were the message lost, the next sweep would still look it up first.
    const [target] = await db.sql<{ due: boolean }[]>`
      SELECT next_check_at <= now() AS due FROM drift_targets WHERE key = ${key}`;
    expect(target?.due).toBe(true);
  });

  it("when SQS refuses, the target is still due for the next sweep: 202 queued false, logged, never a 500", async () => {
    const key = await failingTarget("broken-b");
    sqs.on(SendMessageBatchCommand).rejects(new Error("SQS is down"));
    const logger = captureLogger();
    const res = await handler(logger)(recheck(key));
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ key, queued: false });
    const [target] = await db.sql<{ due: boolean }[]>`
      SELECT next_check_at <= now() AS due FROM drift_targets WHERE key = ${key}`;
    expect(target?.due).toBe(true);
    // The claim was undone, so the next click queues again rather than being "covered".
    expect(await db.sql`SELECT 1 FROM drift_rechecks`).toHaveLength(0);
    expect(logger.text()).toContain("SQS did not accept 1 message(s)");
  });

  it("an unknown key is a 404 and sends nothing", async () => {
    const res = await handler()(recheck("github:github.com/acme/nothing#branch:main"));
    expect(res.statusCode).toBe(404);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});
