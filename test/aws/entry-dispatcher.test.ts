/**
 * functions/dispatcher.ts as Lambda runs it: a scheduled event in, SQS and Secrets Manager mocked, the test
 * database behind the runtime. First deploy: while the GitHub credentials secret has no value, the hour's sweep is
 * recorded as skipped with its reason and counted, and nothing is queued (so nothing can reach the DLQ).
 */
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createLambdaMetrics } from "@drift/aws/metrics-sink";
import { parseSweepMessage } from "@drift/core";
import type { Sql } from "@drift/db";
import type { ScheduledEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { dbLabel } from "../support/db";
import { givenDriftedPlugin, useSweepEnvironment } from "../support/pipeline";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:drift/prod/github-AbCdEf";
const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/sweep";

// The entry file builds its runtime at import; here that runtime is the test database (the wiring of the
// database login itself is tested in test/aws/db-credentials.test.ts).
const runtime = vi.hoisted(() => ({ sql: undefined as unknown }));
vi.mock("@drift/aws/lambda-runtime", async () => {
  const { Logger } = await import("@aws-lambda-powertools/logger");
  return {
    lambdaRuntime: (service: string) => ({
      config: {
        queueUrl: QUEUE_URL,
        githubSecretArn: SECRET_ARN,
        eventBusName: "bus",
        stage: "test",
        githubApiUrl: "https://api.github.com",
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

const env = useSweepEnvironment();
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);
let dispatcher: typeof import("../../functions/dispatcher");

/** A scheduled event as EventBridge delivers it. */
const scheduled = (): ScheduledEvent => ({
  version: "0",
  id: "89d1a02d-5ec7-412e-82f5-13505f849b41",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date().toISOString(),
  region: "eu-west-1",
  resources: ["arn:aws:events:eu-west-1:123456789012:rule/drift-prod-Sweep"],
  detail: {},
});

/** The EMF lines the handler printed (Powertools writes them to stdout). */
function captureEmf(): { metrics(): string[]; restore(): void } {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    metrics: () =>
      lines
        .filter((l) => l.includes('"_aws"'))
        .flatMap((l) =>
          (JSON.parse(l)._aws.CloudWatchMetrics as { Metrics: { Name: string }[] }[]).flatMap((m) =>
            m.Metrics.map((x) => x.Name),
          ),
        ),
    restore: () => spy.mockRestore(),
  };
}

beforeAll(async () => {
  runtime.sql = env.db.sql;
  dispatcher = await import("../../functions/dispatcher");
});
beforeEach(() => {
  sqs.reset();
  secrets.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});
afterEach(() => vi.restoreAllMocks());

const sweeps = (sql: Sql) =>
  sql<{ status: string; error: string | null }[]>`SELECT status, error FROM drift_sweeps ORDER BY started_at`;

describe(`functions/dispatcher.ts (${dbLabel})`, () => {
  it("with the GitHub secret still empty: a skipped sweep with its reason, a metric, nothing queued", async () => {
    await givenDriftedPlugin(env, "first/deploy");
    // Created by the deploy, no value put yet: no version carries AWSCURRENT.
    secrets.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, VersionIdsToStages: {} });
    const emf = captureEmf();
    let summary: Awaited<ReturnType<typeof dispatcher.handler>>;
    try {
      summary = await dispatcher.handler(scheduled());
    } finally {
      emf.restore();
    }
    expect(summary).toEqual({
      status: "skipped",
      reason: expect.stringMatching(/credentials not configured/),
    });
    expect(await sweeps(env.db.sql)).toEqual([
      { status: "skipped", error: expect.stringMatching(/GitHub credentials not configured/) },
    ]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(emf.metrics()).toContain("SweepsSkipped");
    expect(emf.metrics()).not.toContain("SweepsStarted");
    expect(secrets.commandCalls(DescribeSecretCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ARN });
  });

  it("once the secret has a value: the sweep dispatches its due targets to SQS", async () => {
    await givenDriftedPlugin(env, "first/configured");
    secrets
      .on(DescribeSecretCommand)
      .resolves({ ARN: SECRET_ARN, VersionIdsToStages: { "v-1": ["AWSCURRENT"] } });
    const emf = captureEmf();
    let summary: Awaited<ReturnType<typeof dispatcher.handler>>;
    try {
      summary = await dispatcher.handler(scheduled());
    } finally {
      emf.restore();
    }
    expect(summary).toMatchObject({ status: "dispatched", targetsDispatched: 1, messagesSent: 1 });
    const entries = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries).toHaveLength(1);
    const { targets } = parseSweepMessage(entries[0]?.MessageBody ?? "");
    expect(targets.map((t) => t.key)).toEqual(["github:github/first/configured#branch:main"]);
    expect(emf.metrics()).toContain("SweepsStarted");
    expect((await sweeps(env.db.sql)).map((s) => s.status)).toEqual(["dispatched"]);
  });
});
