/** Dispatcher Lambda: hourly schedule → one sweep's distinct due targets → SQS messages. */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  createDispatcherHandler,
  createEventBridgeNotifier,
  createSqsQueue,
  powertoolsHandlerMetrics,
  powertoolsLog,
} from "@drift/aws";
import { METRICS_NAMESPACE } from "@drift/core";
import { createSql, createSweepStore, publishPendingEvents } from "@drift/db";
import { runtimeConfig } from "./shared/runtime";

// Created once per container: warm invocations reuse the connection (RDS Proxy: prepare off, one connection).
const config = runtimeConfig();
const sql = createSql({ url: config.databaseUrl, max: 1, prepare: false });

const log = powertoolsLog(new Logger({ serviceName: "dispatcher" }));
const notifier = createEventBridgeNotifier({
  client: new EventBridgeClient({}),
  eventBusName: config.eventBusName,
});

export const handler = createDispatcherHandler({
  store: createSweepStore(sql),
  queue: createSqsQueue({ client: new SQSClient({}), queueUrl: config.queueUrl }),
  metrics: powertoolsHandlerMetrics(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "dispatcher" })),
  log,
  // An event whose publish failed after an apply would otherwise wait for the next apply: retry it hourly.
  afterDispatch: () => publishPendingEvents(sql, notifier, log),
});
