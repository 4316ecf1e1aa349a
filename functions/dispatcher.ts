/** Dispatcher Lambda: hourly schedule → one sweep's distinct due targets → SQS messages. */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  createDispatcherHandler,
  createEventBridgeNotifier,
  createSqsQueue,
  credentialsPreflight,
  lambdaNotifications,
  powertoolsHandlerMetrics,
} from "@drift/aws";
import { lambdaRuntime } from "@drift/aws/lambda-runtime";
import { publishPendingEvents } from "@drift/core";
import { createEventOutbox, createSweepStore } from "@drift/db";

// Created once per container: warm invocations reuse the connection (RDS Proxy: prepare off, one connection).
const { config, sql, log, metrics } = lambdaRuntime("dispatcher");
const notifier = createEventBridgeNotifier({
  client: new EventBridgeClient({}),
  eventBusName: config.eventBusName,
});

const handlerMetrics = powertoolsHandlerMetrics(metrics);
// Hourly: notification retries and daily digests that no apply or sweep message has sent since.
const notifications = lambdaNotifications(sql, config, { log, metrics: handlerMetrics.sink });

export const handler = createDispatcherHandler({
  store: createSweepStore(sql),
  queue: createSqsQueue({ client: new SQSClient({}), queueUrl: config.queueUrl }),
  metrics: handlerMetrics,
  log,
  // An event whose publish failed after an apply would otherwise wait for the next apply: retry it hourly.
  afterDispatch: async () => {
    await publishPendingEvents(createEventOutbox(sql), notifier, log);
    await notifications();
  },
  // Until the GitHub credentials secret has a value (first deploy), each hour records a skipped sweep instead.
  preflight: credentialsPreflight(new SecretsManagerClient({}), config.githubSecretArn),
});
