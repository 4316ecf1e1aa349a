/**
 * The webhook Lambda handler (functions/webhook.ts) with a real Function URL event: secrets from Secrets Manager
 * and re-checks sent to SQS (both AWS clients mocked), the recheck store on the test database.
 */
import { randomUUID } from "node:crypto";
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createWebhookApp } from "@drift/api/webhooks";
import { createSqsQueue, webhookSecretsFrom } from "@drift/aws";
import { createApiHandler } from "@drift/aws/api-handler";
import { parseSweepMessage } from "@drift/core";
import { createRecheckStore } from "@drift/db";
import { signedDelivery, World } from "@drift/github-sim";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { functionUrlEvent } from "../support/api-events";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { insertPlugins, mapAll, sha } from "../support/seed";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:drift-webhook-AbCdEf";
const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/sweep";
const HOOK_SECRET = "gh-hook-secret";

// The module reads its configuration at import (cold start), like in Lambda.
vi.stubEnv("DRIFT_DB_HOST", "db.invalid");
vi.stubEnv("DRIFT_DB_USER", "drift");
vi.stubEnv("DRIFT_DB_PASSWORD", "unused");
vi.stubEnv("DRIFT_DB_NAME", "drift");
vi.stubEnv("DRIFT_QUEUE_URL", QUEUE_URL);
vi.stubEnv("DRIFT_WEBHOOK_SECRET_ARN", SECRET_ARN);
vi.stubEnv("AWS_REGION", "eu-west-1");
vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret");

const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);
let lambda: typeof import("../../functions/webhook");
let db: TestDb;

beforeAll(async () => {
  lambda = await import("../../functions/webhook");
  db = await createTestDb();
});
afterAll(async () => db?.close());
beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  secrets.reset();
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ githubWebhookSecret: HOOK_SECRET }) });
});

/** The handler as functions/webhook.ts wires it, over the test database (flushes counted by `afterInvoke`). */
let flushes = 0;
function handler(secretArn = SECRET_ARN) {
  const app = createWebhookApp({
    store: createRecheckStore(db.sql),
    queue: createSqsQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL, maxAttempts: 1 }),
    secrets: webhookSecretsFrom(secretArn, 0),
  });
  return createApiHandler(app, { afterInvoke: () => flushes++ });
}

function post(path: string, d: { headers: Record<string, string>; body: string }, base64 = false) {
  return functionUrlEvent({ method: "POST", path, headers: d.headers, body: d.body, base64 });
}

describe(`webhook Lambda handler (${dbLabel})`, () => {
  it("turns a signed push from a Function URL event into a re-check message on SQS", async () => {
    const world = new World();
    const repo = world.createRepo("acme/hooked");
    await insertPlugins(db.sql, [
      { source_raw: "github://acme/hooked", tracked_ref: "branch:main", installed_sha: sha("x") },
    ]);
    await mapAll(db.sql);
    const payload = { ref: "refs/heads/main", after: sha("y"), repository: { full_name: "ACME/Hooked" } };
    const delivery = signedDelivery("github", HOOK_SECRET, "push", {
      ...payload,
      repository: { ...payload.repository, id: repo.id },
    });
    // Function URLs hand JSON over base64-encoded when they please: the signature is checked on the decoded bytes.
    const res = await handler()(post("/webhooks/github", delivery, true));
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(String(res.body))).toEqual({ targets: 1 });
    const sent = sqs.commandCalls(SendMessageBatchCommand);
    expect(sent).toHaveLength(1);
    const entries = sent[0]?.args[0].input.Entries ?? [];
    expect(sent[0]?.args[0].input.QueueUrl).toBe(QUEUE_URL);
    expect(entries).toHaveLength(1);
    const { message, targets } = parseSweepMessage(entries[0]?.MessageBody ?? "");
    expect(targets.map((t) => t.key)).toEqual(["github:github/acme/hooked#branch:main"]);
    const [row] = await db.sql`SELECT id FROM drift_rechecks`;
    expect(message.sweepId).toBe(row?.id);
  });

  it("loads as a cold start does, and flushes after every invocation, a refused one included", async () => {
    expect(typeof lambda.handler).toBe("function");
    const before = flushes;
    const res = await handler("")(
      post("/webhooks/github", signedDelivery("github", HOOK_SECRET, "ping", {})),
    );
    expect(res.statusCode).toBe(403); // no secret configured: the route is unset
    expect(flushes).toBe(before + 1);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it("refuses a wrong signature (401) and an unconfigured route (403) without touching SQS", async () => {
    const bad = signedDelivery("github", "not-it", "push", {
      ref: "refs/heads/main",
      repository: { full_name: "a/b" },
    });
    const res = await handler()(post("/webhooks/github", bad));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(String(res.body))).toMatchObject({ error: { code: "bad_signature" } });
    const gitea = signedDelivery("gitea", HOOK_SECRET, "push", {}, randomUUID());
    const unset = await handler()(post("/webhooks/gitea", gitea));
    expect(unset.statusCode).toBe(403);
    expect(JSON.parse(String(unset.body))).toMatchObject({ error: { code: "webhook_secret_unset" } });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it("a webhook secret the deploy created without a value (or a blank one) is unset: 403, never a 500", async () => {
    const ping = () => post("/webhooks/github", signedDelivery("github", HOOK_SECRET, "ping", {}));
    secrets.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        $metadata: {},
        message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      }),
    );
    const empty = await handler()(ping());
    expect(empty.statusCode).toBe(403);
    expect(JSON.parse(String(empty.body))).toMatchObject({ error: { code: "webhook_secret_unset" } });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "  " });
    expect((await handler()(ping())).statusCode).toBe(403);
    // Once the value is put, the same function accepts the signed ping.
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ githubWebhookSecret: HOOK_SECRET }) });
    expect((await handler()(ping())).statusCode).toBe(200);
  });

  it("answers 500 (the host retries) and forgets the delivery when SQS refuses the re-check", async () => {
    await insertPlugins(db.sql, [
      { source_raw: "github://acme/down", tracked_ref: "tag:latest", installed_sha: sha("z") },
    ]);
    await mapAll(db.sql);
    sqs.on(SendMessageBatchCommand).rejects(new Error("SQS is down"));
    const d = signedDelivery("github", HOOK_SECRET, "release", {
      action: "published",
      release: { tag_name: "v2.0.0" },
      repository: { full_name: "acme/down" },
    });
    const res = await handler()(post("/webhooks/github", d));
    expect(res.statusCode).toBe(500);
    const [n] =
      await db.sql`SELECT count(*)::int AS n FROM drift_webhook_deliveries WHERE delivery_id = ${d.deliveryId}`;
    expect(n?.n).toBe(0);
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const again = await handler()(post("/webhooks/github", d));
    expect(JSON.parse(String(again.body))).toEqual({ targets: 1 });
  });
});
