/**
 * Webhook Lambda behind its own Function URL (no bearer auth: the HMAC signature is the authentication). Signed
 * GitHub and Gitea/Forgejo deliveries become targeted re-checks on the sweep queue; the worker resolves them.
 * Secrets: `{"githubWebhookSecret", "giteaWebhookSecret"}` in the one secret this function may read.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createWebhookApp, type WebhookAppOptions } from "@drift/api/webhooks";
import { createSqsQueue, loadWebhookSecrets, powertoolsLog, powertoolsMetricsSink } from "@drift/aws";
import { METRICS_NAMESPACE } from "@drift/core";
import { createRecheckStore, createSql } from "@drift/db";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import { runtimeConfig } from "./shared/runtime";

/** Builds the Function URL handler around the webhook app (tests pass their own store, queue and secrets). */
export function createWebhookHandler(
  options: WebhookAppOptions & { onInvoke?: (context?: Context) => void; afterInvoke?: () => void },
) {
  const lambda = handle(createWebhookApp(options));
  return async (event: LambdaFunctionURLEvent, context?: Context) => {
    options.onInvoke?.(context);
    try {
      // Function URL payloads are API Gateway v2 payloads; hono types a few requestContext fields more narrowly.
      return await lambda(event as unknown as Parameters<typeof lambda>[0], context as never);
    } finally {
      options.afterInvoke?.();
    }
  };
}

/** Both routes' secrets from the one secret, through Powertools' cache (5 minutes: rotation needs no deploy). */
export function webhookSecretsFrom(secretId: string, maxAgeSeconds = 300): WebhookAppOptions["secrets"] {
  const load = () => loadWebhookSecrets({ secretId, maxAgeSeconds });
  return { github: async () => (await load()).github, gitea: async () => (await load()).gitea };
}

// Built once per container; warm invocations reuse the connection, the SQS client and the secret cache.
const config = runtimeConfig();
const sql = createSql({ url: config.databaseUrl, max: 1, prepare: false });
const logger = new Logger({ serviceName: "webhook" });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "webhook" });

export const handler = createWebhookHandler({
  store: createRecheckStore(sql),
  queue: createSqsQueue({ client: new SQSClient({}), queueUrl: config.queueUrl, maxAttempts: 3 }),
  secrets: webhookSecretsFrom(config.credentialsSecretArn),
  metrics: powertoolsMetricsSink(metrics),
  log: powertoolsLog(logger),
  onInvoke: (context) => {
    if (context) logger.addContext(context);
  },
  afterInvoke: () => metrics.publishStoredMetrics(),
});
