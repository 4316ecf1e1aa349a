/** Dispatcher Lambda: hourly schedule → one sweep's distinct due targets → SQS messages. */
import { Logger } from "@aws-lambda-powertools/logger";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  createDispatcherHandler,
  createEventBridgeNotifier,
  createLambdaMetrics,
  createSqsQueue,
  powertoolsHandlerMetrics,
  powertoolsLog,
} from "@drift/aws";
import { createLambdaSql, runtimeConfig } from "@drift/aws/runtime";
import { createSweepStore, publishPendingEvents } from "@drift/db";

// Created once per container: warm invocations reuse the connection (RDS Proxy: prepare off, one connection).
const config = runtimeConfig();
const sql = createLambdaSql(config.databaseUrl);

const log = powertoolsLog(new Logger({ serviceName: "dispatcher" }));
const notifier = createEventBridgeNotifier({
  client: new EventBridgeClient({}),
  eventBusName: config.eventBusName,
});

export const handler = createDispatcherHandler({
  store: createSweepStore(sql),
  queue: createSqsQueue({ client: new SQSClient({}), queueUrl: config.queueUrl }),
  metrics: powertoolsHandlerMetrics(createLambdaMetrics("dispatcher", config.stage)),
  log,
  // An event whose publish failed after an apply would otherwise wait for the next apply: retry it hourly.
  afterDispatch: () => publishPendingEvents(sql, notifier, log),
});
