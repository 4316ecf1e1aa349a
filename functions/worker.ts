/** Worker Lambda: SQS batch of sweep messages → resolve targets → set-based drift upsert (partial batch responses). */

import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  createEventBridgeNotifier,
  createSqsQueue,
  createSqsRedeliveryDelay,
  createWorkerHandler,
  credentialsResolver,
  lambdaNotifications,
  powertoolsHandlerMetrics,
} from "@drift/aws";
import { lambdaRuntime } from "@drift/aws/lambda-runtime";
import { createPolicyStep, createRolloutDeps, ROLLOUT_METRIC } from "@drift/core";
import {
  createDecisionStore,
  createEventOutbox,
  createPolicyStore,
  createRecheckStore,
  createReviewStore,
  createRolloutStore,
  createSweepStore,
} from "@drift/db";
import { createHostResolver } from "@drift/github";

// Everything below is built once per container and reused by warm invocations.
const { config, sql, log, metrics } = lambdaRuntime("worker");

// Credentials come from Secrets Manager through Powertools' cache; the resolver is rebuilt when they change
// (rotation), and a cold start never blocks on them.
const resolver = credentialsResolver({
  secretId: config.githubSecretArn,
  create: (credentials) =>
    createHostResolver({
      githubApiUrl: config.githubApiUrl,
      ...(credentials.auth ? { auth: credentials.auth } : {}),
      ...(credentials.giteaToken ? { giteaToken: credentials.giteaToken } : {}),
      // Several workers share one token's 100 concurrent requests (GitHub's secondary limit): 5 × (8 + 12).
      packetConcurrency: 12,
      logger: log,
    }),
});

// A malformed age fails the cold start (runtimeConfig): never auto-apply without the cooling down asked for.
const { minReleaseAgeMs } = config;
const notifier = createEventBridgeNotifier({
  client: new EventBridgeClient({}),
  eventBusName: config.eventBusName,
});

const handlerMetrics = powertoolsHandlerMetrics(metrics);
const sqs = new SQSClient({});

export const handler = createWorkerHandler({
  store: createSweepStore(sql, { minReleaseAgeMs }),
  resolver,
  reviews: createReviewStore(sql),
  // Auto-applied events go through the outbox and are published at once (the dispatcher retries failed ones hourly).
  policies: createPolicyStep({
    policies: createPolicyStore(sql),
    decisions: createDecisionStore(sql),
    outbox: createEventOutbox(sql),
    defaultAgeMs: minReleaseAgeMs,
    log,
    notifier,
    // A policy with a "rollout" starts (or extends) one here: its first wave is applied by this message.
    rollouts: createRolloutDeps({
      rollouts: createRolloutStore(sql),
      decisions: createDecisionStore(sql),
      outbox: createEventOutbox(sql),
      notifier,
      log,
      observer: {
        wavesStarted: (n) =>
          metrics.singleMetric().addMetric(ROLLOUT_METRIC.wave_started, MetricUnit.Count, n),
      },
    }),
  }),
  metrics: handlerMetrics,
  log,
  // The drift groups and integrity events this batch recorded are told now, not at the next hourly dispatch.
  afterBatch: lambdaNotifications(sql, config, { log, metrics: handlerMetrics.sink }),
  // A message waiting for a rate limit (or a transient retry) comes back after it, not after the 722 s timeout.
  redelivery: createSqsRedeliveryDelay(sqs),
  // What the deadline cut off (or a host that timed out twice) goes back to the re-check queue with a short
  // backoff, instead of waiting for the next hourly sweep.
  ...(config.queueUrl
    ? {
        deferrals: {
          store: createRecheckStore(sql),
          queue: createSqsQueue({ client: sqs, queueUrl: config.queueUrl, maxAttempts: 3 }),
        },
      }
    : {}),
});
