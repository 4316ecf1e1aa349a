/**
 * Safe delivery (issue 22): the rollout tick (its own small function on a 5-minute EventBridge schedule), the
 * RolloutHalted alarm and the rollouts panel. Alarm and panel are pure specifications that alarms.ts and
 * dashboard.ts add to the rest.
 */
import { RUNTIME_ENV } from "../packages/aws/src/runtime-env";
import { METRICS_NAMESPACE, Metric, type MetricName } from "../packages/core/src/metrics";
import { publishTo } from "./events";
import {
  baseFunctionArgs,
  databaseSecretRead,
  type FunctionContext,
  functionOptions,
} from "./functions/common";
import { METRIC_SERVICE, perServiceLines } from "./product-metrics";

/** How often waves whose soak ended are started (the contract: within 5 minutes). */
export const ROLLOUT_SCHEDULE = "rate(5 minutes)";

/**
 * The tick function and its schedule. It reads and writes the database as the application role and publishes to
 * the bus (wave, halt, completion, applied and rolled-back events): no secret, no queue, nothing else.
 */
export function createRolloutTicker(ctx: FunctionContext, bus: sst.aws.Bus) {
  const fn = new sst.aws.Function(
    "RolloutTicker",
    {
      ...baseFunctionArgs(ctx, "rollout", { [RUNTIME_ENV.eventBusName]: bus.name }),
      description:
        "Plugin drift sweeper: starts rollout waves whose soak ended, halts and completes rollouts",
      // A wave of 5,000 rows is 5,000 short transactions: well inside 5 minutes; the next tick goes on otherwise.
      timeout: "290 seconds",
      memory: "512 MB",
      retries: 0,
      permissions: [publishTo(bus), ...databaseSecretRead(ctx)],
    },
    functionOptions(ctx),
  );
  const schedule = new sst.aws.CronV2("RolloutSchedule", {
    function: fn,
    schedule: ROLLOUT_SCHEDULE,
    event: {},
    enabled: ctx.settings.scheduleEnabled,
  });
  return { function: fn, schedule };
}

/** One query per service that emits `metric` in `stage`, summed (a service with no data counts as 0). */
function summed(metric: MetricName, stage: string, period: number) {
  const services = METRIC_SERVICE[metric];
  return [
    ...services.map((service) => ({
      id: `halted_${service}`,
      returnData: false,
      metric: {
        namespace: METRICS_NAMESPACE,
        metricName: metric,
        dimensions: { service, stage },
        stat: "Sum",
        period,
      },
    })),
    {
      id: "halted",
      label: "rollouts halted",
      returnData: true,
      expression: services.map((s) => `FILL(halted_${s}, 0)`).join(" + "),
    },
  ];
}

/** The alarm that fires on the stage's first halted rollout (docs/operations.md: what to do when a rollout halts). */
export function rolloutAlarmSpecs(stage: string) {
  return [
    {
      name: "RolloutHalted",
      args: {
        alarmDescription:
          "A rollout halted: more workspaces reported the new version failing than it allows. No further wave starts; with rollback_on_halt its rows are back on their previous commit. See docs/operations.md (drift rollout list --status halted, GET /admin/rollouts?status=halted).",
        metricQueries: summed(Metric.RolloutsHalted, stage, 300),
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
    },
  ];
}

/** Dashboard panels: waves started, rollouts halted and updates rolled back, per emitting service. */
export function rolloutPanels(stage: string) {
  const lines = (metric: MetricName, label: string) => perServiceLines(stage, metric, label);
  return [
    {
      title: "Rollouts: waves started, halts (alarm on the first)",
      props: { stat: "Sum", period: 300 },
      metrics: [
        ...lines(Metric.RolloutWavesStarted, "waves started"),
        ...lines(Metric.RolloutsHalted, "halted"),
      ],
    },
    {
      title: "Updates rolled back",
      props: { stat: "Sum", period: 300 },
      metrics: lines(Metric.UpdatesRolledBack, "rolled back"),
    },
  ];
}
