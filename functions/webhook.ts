/**
 * Webhook Lambda behind its own Function URL (no bearer auth: the HMAC signature is the authentication). Signed
 * GitHub and Gitea/Forgejo deliveries become targeted re-checks on the sweep queue; the worker resolves them.
 * Secrets: `{"githubWebhookSecret", "giteaWebhookSecret"}` in the one secret this function may read.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { createWebhookApp } from "@drift/api/webhooks";
import { createSqsQueue, powertoolsMetricsSink, webhookSecretsFrom } from "@drift/aws";
import { createApiHandler } from "@drift/aws/api-handler";
import { lambdaRuntime } from "@drift/aws/lambda-runtime";
import { createRecheckStore } from "@drift/db";

// Built once per container; warm invocations reuse the connection, the SQS client and the secret cache.
const { config, sql, logger, log, metrics } = lambdaRuntime("webhook");

const app = createWebhookApp({
  store: createRecheckStore(sql),
  queue: createSqsQueue({ client: new SQSClient({}), queueUrl: config.queueUrl, maxAttempts: 3 }),
  secrets: webhookSecretsFrom(config.webhookSecretArn),
  metrics: powertoolsMetricsSink(metrics),
  log,
});

export const handler = createApiHandler(app, {
  onInvoke: (context) => {
    if (context) logger.addContext(context);
  },
  afterInvoke: () => metrics.publishStoredMetrics(),
});
