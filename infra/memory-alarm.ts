import { DISPATCHER_MEMORY_MB } from "./functions/dispatcher";
import { HOUR } from "./product-metrics";
import type { StageSettings } from "./stage";

/** The dispatcher's `Max Memory Used` above this share of its memory size pages (worst case measured: 835 MiB). */
export const DISPATCHER_MEMORY_ALARM_RATIO = 0.8;

/** The namespace of metrics taken from Lambda's own log lines (not the product's metrics). */
export const LAMBDA_LOG_NAMESPACE = "PluginDriftSweeper/Lambda";

/**
 * Lambda's REPORT line in the text log format, field by field:
 * `REPORT RequestId: <id> Duration: <n> ms Billed Duration: <n> ms Memory Size: <n> MB Max Memory Used: <n> MB …`.
 */
export const REPORT_LINE_PATTERN =
  "[type=REPORT, ridLabel, rid, durLabel, dur, durUnit, billedLabel, billedDurLabel, billed, billedUnit, " +
  "sizeLabel1, sizeLabel2, size, sizeUnit, maxLabel1, maxLabel2, maxLabel3, maxMemoryUsed, maxUnit, ...]";

/**
 * A dispatcher memory alarm: Lambda reports each invocation's peak memory only in its REPORT log line, so a
 * metric filter on the dispatcher's log group turns it into a metric (one per stage: a filter cannot add a fixed
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
    pattern: REPORT_LINE_PATTERN,
    metricTransformation: {
      namespace: LAMBDA_LOG_NAMESPACE,
      name: metricName,
      value: "$maxMemoryUsed",
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
