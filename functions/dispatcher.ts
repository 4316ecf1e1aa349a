/** Dispatcher Lambda: hourly schedule → one sweep's distinct due targets → SQS messages. */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  createDispatcherHandler,
  createEventBridgeNotifier,
  createSqsQueue,
  credentialsPreflight,
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

export const handler = createDispatcherHandler({
  store: createSweepStore(sql),
  queue: createSqsQueue({ client: new SQSClient({}), queueUrl: config.queueUrl }),
  metrics: powertoolsHandlerMetrics(metrics),
  log,
  // An event whose publish failed after an apply would otherwise wait for the next apply: retry it hourly.
  afterDispatch: () => publishPendingEvents(createEventOutbox(sql), notifier, log),
  // Until the GitHub credentials secret has a value (first deploy), each hour records a skipped sweep instead.
  preflight: credentialsPreflight(new SecretsManagerClient({}), config.githubSecretArn),
});
