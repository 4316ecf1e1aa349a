import { DISPATCHER_MEMORY_MB } from "./functions/dispatcher";
import { HOUR } from "./product-metrics";
import type { StageSettings } from "./stage";

/** The dispatcher's `Max Memory Used` above this share of its memory size pages (worst case measured: 835 MiB). */
export const DISPATCHER_MEMORY_ALARM_RATIO = 0.8;

/** The namespace of metrics taken from Lambda's own log lines (not the product's metrics). */
export const LAMBDA_LOG_NAMESPACE = "PluginDriftSweeper/Lambda";

/**
 * The dispatcher logs in Lambda's JSON format (infra/functions/dispatcher.ts), where the platform writes each
 * invocation's report as a `platform.report` record with its peak memory in `record.metrics.maxMemoryUsedMB`
 * (AWS Lambda developer guide, "Log-level filtering" / Telemetry API `platform.report`). A JSON metric filter
 * selects exactly those records: no position in a line of text to get wrong (the text REPORT line gains an
 * `Init Duration` field on cold starts and `XRAY` fields with tracing).
 */
export const PLATFORM_REPORT_PATTERN = '{ $.type = "platform.report" }';
/** The peak memory of a `platform.report` record, in MB. */
export const MAX_MEMORY_USED_VALUE = "$.record.metrics.maxMemoryUsedMB";

/**
 * A dispatcher memory alarm: Lambda reports each invocation's peak memory only in its log (the `platform.report`
 * record), so a metric filter on the dispatcher's log group turns it into a metric (one per stage: a filter cannot add a fixed
 * dimension), and the alarm fires when one invocation used more than 80 % of the memory size. No invocation,
 * no data: not breaching (a stage before its first sweep stays quiet).
 */
export function createDispatcherMemoryAlarm(
  settings: StageSettings,
  dispatcher: sst.aws.Function,
  topicArn: $util.Input<string>,
) {
  const metricName = `${$app.name}-${$app.stage}-DispatcherMaxMemoryUsed`;
  const logGroupName = dispatcher.nodes.logGroup.apply((group) => {
    if (!group) throw new Error("the dispatcher has no log group (logging is on for every function)");
    return group.name;
  });
  const filter = new aws.cloudwatch.LogMetricFilter("DispatcherMaxMemoryUsed", {
    logGroupName,
    pattern: PLATFORM_REPORT_PATTERN,
    metricTransformation: {
      namespace: LAMBDA_LOG_NAMESPACE,
      name: metricName,
      value: MAX_MEMORY_USED_VALUE,
      unit: "Megabytes",
    },
  });
  const alarm = new aws.cloudwatch.MetricAlarm(
    "AlarmDispatcherMemoryHigh",
    {
      name: `${$app.name}-${$app.stage}-DispatcherMemoryHigh`,
      alarmDescription:
        `A dispatcher run used more than ${DISPATCHER_MEMORY_ALARM_RATIO * 100} % of its ${DISPATCHER_MEMORY_MB} MB: ` +
        "raise DISPATCHER_MEMORY_MB (docs/deploy.md, sizing) before a sweep runs out of memory.",
      namespace: LAMBDA_LOG_NAMESPACE,
      metricName,
      statistic: "Maximum",
      period: HOUR,
      evaluationPeriods: 1,
      threshold: Math.floor(DISPATCHER_MEMORY_MB * DISPATCHER_MEMORY_ALARM_RATIO),
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      actionsEnabled: settings.scheduleEnabled,
      alarmActions: [topicArn],
      okActions: [topicArn],
    },
    { dependsOn: [filter] },
  );
  return { filter, alarm };
}
