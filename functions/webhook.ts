/**
 * Webhook Lambda behind its own Function URL (no bearer auth: the HMAC signature is the authentication). Signed
 * GitHub and Gitea/Forgejo deliveries become targeted re-checks on the sweep queue; the worker resolves them.
 * Secrets: `{"githubWebhookSecret", "giteaWebhookSecret"}` in the one secret this function may read.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createWebhookApp } from "@drift/api/webhooks";
import {
  createLambdaMetrics,
  createSqsQueue,
  powertoolsLog,
  powertoolsMetricsSink,
  webhookSecretsFrom,
} from "@drift/aws";
import { createApiHandler } from "@drift/aws/api-handler";
import { createLambdaSql, runtimeConfig } from "@drift/aws/runtime";
import { createRecheckStore } from "@drift/db";

// Built once per container; warm invocations reuse the connection, the SQS client and the secret cache.
const config = runtimeConfig();
const sql = createLambdaSql(config.databaseUrl);
const logger = new Logger({ serviceName: "webhook" });
const metrics = createLambdaMetrics("webhook", config.stage);

const app = createWebhookApp({
  store: createRecheckStore(sql),
  queue: createSqsQueue({ client: new SQSClient({}), queueUrl: config.queueUrl, maxAttempts: 3 }),
  secrets: webhookSecretsFrom(config.webhookSecretArn),
  metrics: powertoolsMetricsSink(metrics),
  log: powertoolsLog(logger),
});

export const handler = createApiHandler(app, {
  onInvoke: (context) => {
    if (context) logger.addContext(context);
  },
  afterInvoke: () => metrics.publishStoredMetrics(),
});
