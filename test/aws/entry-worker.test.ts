/**
 * functions/worker.ts as Lambda runs it: a real SQS event of a dispatched sweep, a Lambda context whose clock is
 * the worker's 120 s timeout, GitHub credentials from Secrets Manager (mocked), real Octokit against the GitHub
 * simulator. Issue 23: one repository that never answers costs the message at most two request timeouts (not one
 * per split of its query, 198 s before), and the other repositories' drift is recorded in the same message.
 */
import { createHash, randomUUID } from "node:crypto";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createLambdaMetrics } from "@drift/aws/metrics-sink";
import { dispatchSweep, type SweepMessage } from "@drift/core";
import { createSweepStore } from "@drift/db";
import type { Context, SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { dbLabel } from "../support/db";
import { givenDriftedPlugin, quietLog, TOKEN, useSweepEnvironment } from "../support/pipeline";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:drift/prod/github-AbCdEf";
const WORKER_TIMEOUT_MS = 120_000; // infra/queue.ts WORKER_TIMEOUT_SECONDS
const RECHECK_QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/drift-prod-RecheckQueue";

// The entry file builds its runtime at import: here the test database and the simulator's URL.
const runtime = vi.hoisted(() => ({ sql: undefined as unknown, githubApiUrl: "" }));
vi.mock("@drift/aws/lambda-runtime", async () => {
  const { Logger } = await import("@aws-lambda-powertools/logger");
  return {
    lambdaRuntime: (service: string) => ({
      config: {
        githubSecretArn: SECRET_ARN,
        githubApiUrl: runtime.githubApiUrl,
        // infra/functions/worker.ts: the workers send what they did not resolve in time to the re-check queue.
        queueUrl: RECHECK_QUEUE_URL,
        eventBusName: "bus",
        stage: "test",
        minReleaseAgeMs: 0,
      },
      sql: runtime.sql,
      logger: new Logger({ serviceName: service, logLevel: "SILENT" }),
      log: { debug() {}, info() {}, warn() {}, error() {} },
      metrics: createLambdaMetrics(service, "test"),
    }),
  };
});
vi.stubEnv("AWS_REGION", "eu-west-1");
vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret");
vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");

const env = useSweepEnvironment();
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
mockClient(EventBridgeClient);
let worker: typeof import("../../functions/worker");

beforeAll(async () => {
  runtime.sql = env.db.sql;
  runtime.githubApiUrl = env.sim.url;
  worker = await import("../../functions/worker");
});
beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ githubToken: TOKEN }) });
  sqs.reset();
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  env.sim.faults.clear();
});

/** The sweep's messages, dispatched as the dispatcher does, as the SQS event a worker receives. */
async function dispatchedEvent(): Promise<SQSEvent> {
  const sent: SweepMessage[] = [];
  await dispatchSweep(
    {
      store: createSweepStore(env.db.sql),
      queue: { send: async (messages) => void sent.push(...messages) },
      metrics: { add() {} },
      log: quietLog,
    },
    { ...(await import("@drift/core")).DEFAULT_DISPATCH_CONFIG, minIntervalMs: 0 },
  );
  return sqsEvent(sent.map((message) => JSON.stringify(message)));
}

/** Message bodies as the SQS event a worker receives. */
function sqsEvent(bodies: readonly string[], queue = "SweepQueue"): SQSEvent {
  const now = Date.now();
  return {
    Records: bodies.map((body) => {
      return {
        messageId: randomUUID(),
        receiptHandle: `AQEB${randomUUID()}`,
        body,
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: String(now),
          SenderId: "AROAEXAMPLE:drift-dispatcher",
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: createHash("md5").update(body).digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:drift-prod-${queue}`,
        awsRegion: "eu-west-1",
      };
    }),
  };
}

/** A Lambda context whose remaining time runs down from the worker's timeout, as Lambda's does. */
function lambdaContext(timeoutMs: number): Context {
  const end = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "drift-prod-SweepQueueSubscriber",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:drift-prod-SweepQueueSubscriber",
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/drift-prod-SweepQueueSubscriber",
    logStreamName: "2026/12/07/[$LATEST]0123456789abcdef",
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

const pendingPlugins = async () =>
  (
    await env.db.sql<{ plugin_name: string }[]>`
      SELECT plugin_name FROM plugin_update_queue WHERE status = 'pending' ORDER BY plugin_name`
  ).map((r) => r.plugin_name);

describe(`functions/worker.ts (${dbLabel})`, () => {
  it("runs a dispatched message: drift recorded, nothing reported failed", async () => {
    await givenDriftedPlugin(env, "entry/one", { plugin_name: "one" });
    const event = await dispatchedEvent();
    expect(event.Records).toHaveLength(1);
    const response = await worker.handler(event, lambdaContext(WORKER_TIMEOUT_MS));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await pendingPlugins()).toEqual(["one"]);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toMatchObject({
      SecretId: SECRET_ARN,
    });
  });

  it("a repository that never answers costs the message at most two timeouts; the others' drift is recorded", async () => {
    const names = ["a", "b", "c", "d", "e"];
    for (const n of names) await givenDriftedPlugin(env, `deadline/ok-${n}`, { plugin_name: n });
    await givenDriftedPlugin(env, "deadline/hung", { plugin_name: "hung" });
    // The host holds every query naming this repository (its name is a query variable) (GitHub's 120 s hang; the client gives up at 15 s).
    env.sim.faults.add({ kind: "hang", scope: "graphql", bodyIncludes: '"hung"' });
    const event = await dispatchedEvent();
    expect(event.Records).toHaveLength(1);
    const started = Date.now();
    const response = await worker.handler(event, lambdaContext(WORKER_TIMEOUT_MS));
    const elapsed = Date.now() - started;
    console.log(`one hung repository of six: the worker message took ${elapsed} ms`);
    expect(elapsed).toBeLessThanOrEqual(40_000);
    // Not redelivered (nor failed into the DLQ): the hung host's target is left for the next sweep, counted as
    // a transient failure of the host (no per-target back-off), and the message is done.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await pendingPlugins()).toEqual(names);
    const [hung] = await env.db.sql<{ last_error_kind: string | null; last_error: string | null }[]>`
      SELECT last_error_kind, last_error FROM drift_targets WHERE owner = 'deadline' AND repo = 'hung'`;
    expect(hung).toMatchObject({ last_error_kind: "transient", last_error: expect.stringMatching(/twice/) });
    expect(env.sim.faults.fired.hang).toBeLessThanOrEqual(2);

    // Re-queued with a short backoff (issue 23): one message to the re-check queue, 30 s delay, attempt 1, holding
    // the hung target only; its re-check row says what it is.
    const sends = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.QueueUrl).toBe(RECHECK_QUEUE_URL);
    expect(sends[0]?.Entries).toHaveLength(1);
    expect(sends[0]?.Entries?.[0]?.DelaySeconds).toBe(30);
    const requeued = JSON.parse(sends[0]?.Entries?.[0]?.MessageBody ?? "{}") as SweepMessage;
    expect(requeued).toMatchObject({ v: 1, seq: 0, d: 1, targets: [{ o: "deadline", r: "hung" }] });
    const [row] = await env.db.sql<{ kind: string; attempt: number; delay: number }[]>`
      SELECT kind, attempt, round(extract(epoch FROM run_at - requested_at))::int AS delay
      FROM drift_rechecks WHERE id = ${requeued.sweepId}`;
    expect(row).toEqual({ kind: "deferred", attempt: 1, delay: 30 });

    // The host answers again: the re-queued message (as the re-check worker receives it) records the drift.
    env.sim.faults.clear();
    sqs.resetHistory();
    const again = await worker.handler(
      sqsEvent([JSON.stringify(requeued)], "RecheckQueue"),
      lambdaContext(WORKER_TIMEOUT_MS),
    );
    expect(again).toEqual({ batchItemFailures: [] });
    expect(await pendingPlugins()).toEqual([...names, "hung"].sort());
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  }, 120_000);

  it("a target re-queued six times already is left to the hourly sweep, not re-queued again (and never fails)", async () => {
    await givenDriftedPlugin(env, "deadline/stuck", { plugin_name: "stuck" });
    env.sim.faults.add({ kind: "hang", scope: "graphql", bodyIncludes: '"stuck"' });
    const [record] = (await dispatchedEvent()).Records;
    const message = JSON.parse(record?.body ?? "{}") as SweepMessage;
    const response = await worker.handler(
      sqsEvent([JSON.stringify({ ...message, d: 6 })]),
      lambdaContext(WORKER_TIMEOUT_MS),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  }, 120_000);
});
