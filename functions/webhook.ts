/**
 * Webhook Lambda behind its own Function URL (no bearer auth: the HMAC signature is the authentication). Signed
 * GitHub and Gitea/Forgejo deliveries become targeted re-checks on the sweep queue; the worker resolves them.
 * Secrets: `{"githubWebhookSecret", "giteaWebhookSecret"}` in the one secret this function may read.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createWebhookApp } from "@drift/api/webhooks";
import { createSqsQueue, loadWebhookSecrets, powertoolsLog, powertoolsMetricsSink } from "@drift/aws";
import { METRICS_NAMESPACE } from "@drift/core";
import { createRecheckStore, createSql } from "@drift/db";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import { runtimeConfig } from "./shared/runtime";

// Built once per container; warm invocations reuse the connection, the SQS client and the secret cache.
const config = runtimeConfig();
const sql = createSql({ url: config.databaseUrl, max: 1, prepare: false });
const logger = new Logger({ serviceName: "webhook" });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "webhook" });
const secrets = () => loadWebhookSecrets({ secretId: config.credentialsSecretArn });

const lambda = handle(
  createWebhookApp({
    store: createRecheckStore(sql),
    queue: createSqsQueue({ client: new SQSClient({}), queueUrl: config.queueUrl, maxAttempts: 3 }),
    secrets: { github: async () => (await secrets()).github, gitea: async () => (await secrets()).gitea },
    metrics: powertoolsMetricsSink(metrics),
    log: powertoolsLog(logger),
  }),
);

export const handler = async (event: LambdaFunctionURLEvent, context?: Context) => {
  if (context) logger.addContext(context);
  try {
    // Function URL payloads are API Gateway v2 payloads; hono types a few requestContext fields more narrowly.
    return await lambda(event as unknown as Parameters<typeof lambda>[0], context as never);
  } finally {
    metrics.publishStoredMetrics();
  }
};
