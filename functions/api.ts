/**
 * Admin API Lambda behind a Function URL: the same Hono app as `drift serve`, adapted with `hono/aws-lambda`.
 * Auth: bearer token from Secrets Manager (key `adminToken` of the admin-token secret, cached 5 minutes, so a
 * rotation is picked up without a deploy), or IAM auth on the Function URL (AWS checked SigV4 already).
 * "Re-check now" sends the target to the re-check queue (DRIFT_QUEUE_URL), which the re-check worker reads.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createAdminApp, tokenEnvironment } from "@drift/api";
import { createEventBridgeNotifier, createSqsQueue, lambdaNotifySettings, loadAdminToken } from "@drift/aws";
import { createApiHandler } from "@drift/aws/api-handler";
import { lambdaRuntime } from "@drift/aws/lambda-runtime";
import { githubWebBase, Metric, ROLLOUT_METRIC } from "@drift/core";

// Created once per container, outside the handler: warm invocations reuse the connection and clients.
const { config, sql, logger, log, metrics } = lambdaRuntime("api");

const app = createAdminApp({
  sql,
  auth:
    config.adminAuth === "iam"
      ? { mode: "iam" }
      : { mode: "bearer", token: () => loadAdminToken(config.adminTokenSecretArn) },
  corsOrigins: config.corsOrigins,
  // Minted tokens name the stage: a token of another stage is refused (401).
  tokenEnvironment: tokenEnvironment(config.stage),
  // Repository links of rows whose review packet is not fetched yet.
  webBases: { github: githubWebBase(config.githubApiUrl) },
  notifier: createEventBridgeNotifier({
    client: new EventBridgeClient({}),
    eventBusName: config.eventBusName,
  }),
  logger: log,
  // "Re-check now": without a queue (a local run of this handler) the target is only made due.
  ...(config.queueUrl
    ? {
        recheckQueue: createSqsQueue({
          client: new SQSClient({}),
          queueUrl: config.queueUrl,
          maxAttempts: 3,
        }),
      }
    : {}),
  // Subscriptions' URLs are checked against these; applied updates are told right after the decision.
  notify: lambdaNotifySettings(config),
  onDecision: (decision) =>
    metrics
      .singleMetric()
      .addMetric(
        decision === "applied"
          ? Metric.UpdatesApplied
          : decision === "rolled_back"
            ? Metric.UpdatesRolledBack
            : Metric.UpdatesDismissed,
        MetricUnit.Count,
        1,
      ),
  onRollout: (event, n) => metrics.singleMetric().addMetric(ROLLOUT_METRIC[event], MetricUnit.Count, n),
});

export const handler = createApiHandler(app, {
  onInvoke: (context) => {
    if (context) logger.addContext(context);
  },
});
