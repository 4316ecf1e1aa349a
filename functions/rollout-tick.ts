/**
 * Rollout tick Lambda: every 5 minutes (EventBridge Scheduler), starts the waves whose soak ended, halts rollouts
 * whose failed reports exceed their limit (rolling back when asked) and completes finished ones. Idempotent and
 * safe when two runs overlap (row locks and conditional updates in the store).
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { createEventBridgeNotifier } from "@drift/aws";
import { lambdaRuntime } from "@drift/aws/lambda-runtime";
import { createRolloutDeps, ROLLOUT_METRIC, tickRollouts } from "@drift/core";
import { createDecisionStore, createEventOutbox, createRolloutStore } from "@drift/db";

const { config, sql, log, metrics } = lambdaRuntime("rollout");

const count = (metric: (typeof ROLLOUT_METRIC)[keyof typeof ROLLOUT_METRIC]) => (n: number) =>
  metrics.addMetric(metric, MetricUnit.Count, n);

const deps = createRolloutDeps({
  rollouts: createRolloutStore(sql),
  decisions: createDecisionStore(sql),
  outbox: createEventOutbox(sql),
  notifier: createEventBridgeNotifier({
    client: new EventBridgeClient({}),
    eventBusName: config.eventBusName,
  }),
  log,
  observer: {
    wavesStarted: count(ROLLOUT_METRIC.wave_started),
    halted: count(ROLLOUT_METRIC.halted),
    rolledBack: count(ROLLOUT_METRIC.rolled_back),
  },
});

export const handler = async (): Promise<{ rollouts: number; wavesStarted: number; applied: number }> => {
  try {
    const result = await tickRollouts(deps);
    log.info("rollout tick", { ...result });
    return { rollouts: result.rollouts, wavesStarted: result.wavesStarted, applied: result.applied };
  } finally {
    metrics.publishStoredMetrics();
  }
};
