/**
 * What operators watch: one CloudWatch dashboard, four alarms, and the SNS topic the alarms notify.
 *
 * The product's metrics are Embedded Metric Format lines written by Powertools Metrics in namespace
 * METRICS_NAMESPACE with the dimension `service` (POWERTOOLS_SERVICE_NAME, set per function in infra/functions).
 * CloudWatch matches dimension sets exactly, so every query here names `service` (and `FailureKind` for
 * TargetsFailed) exactly as the code emits it. METRIC_SERVICE says which function emits which metric.
 */
import { METRICS_NAMESPACE, Metric, type MetricName } from "../packages/core/src/metrics";
import { FAILURE_KINDS, type FailureKind } from "../packages/core/src/resolution";
import type { StageSettings } from "./stage";

/** The services that emit product metrics. */
export type MetricService = "dispatcher" | "worker" | "api";

/**
 * The functions (values of the `service` dimension) that emit each metric. Typed over every metric name, so a
 * new metric in packages/core/src/metrics.ts does not compile here until someone says who emits it.
 * A sweep completes in the worker that finishes its last message, or in the dispatcher when nothing was due.
 */
export const METRIC_SERVICE: Readonly<Record<MetricName, readonly MetricService[]>> = {
  RowsScanned: ["dispatcher"],
  RowsSkipped: ["dispatcher"],
  RowsInvalid: ["dispatcher"],
  TargetsDispatched: ["dispatcher"],
  MessagesSent: ["dispatcher"],
  SweepsStarted: ["dispatcher"],
  SweepsCompleted: ["dispatcher", "worker"],
  SweepDuration: ["dispatcher", "worker"],
  TargetsResolved: ["worker"],
  TargetsFailed: ["worker"],
  TargetsDeferred: ["worker"],
  DriftNew: ["worker"],
  DriftRefreshed: ["worker"],
  DriftSuperseded: ["worker"],
  GitHubRequests: ["worker"],
  GitHubPointsUsed: ["worker"],
  RateBudgetRemaining: ["worker"],
  MessagesRejected: ["worker"],
  UpdatesApplied: ["api"],
  UpdatesDismissed: ["api"],
};

/** The one service that emits `metric` (for queries that need a single series, e.g. alarm inputs). */
function onlyService(metric: MetricName): MetricService {
  const services = METRIC_SERVICE[metric];
  if (services.length !== 1) throw new Error(`${metric} is emitted by ${services.join(", ")}: query each`);
  return services[0] as MetricService;
}

/** Failure kinds that count against the failure ratio (a deferred target was not attempted: not a failure). */
export const COUNTED_FAILURE_KINDS: readonly FailureKind[] = FAILURE_KINDS.filter((k) => k !== "deferred");

const HOUR = 3600;

/** Failure ratio above which the alarm fires, and the number of attempts below which it stays quiet. */
export const FAILURE_RATIO_THRESHOLD = 0.2;
export const FAILURE_RATIO_MIN_TARGETS = 20;

/** Plain values the dashboard needs (resolved from the deployment's outputs). */
export interface DashboardRefs {
  readonly region: string;
  readonly stage: string;
  readonly dispatcherFunctionName: string;
  readonly workerFunctionName: string;
  readonly apiFunctionName: string;
  readonly queueName: string;
  readonly dlqName: string;
  readonly rateBudgetLowThreshold: number;
}

type MetricLine = (string | Record<string, unknown>)[];
/** A CloudWatch dashboard widget (the subset of the dashboard body schema used here). */
export interface DashboardWidget {
  readonly type: "metric" | "text";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown> & { metrics?: MetricLine[] };
}

/** A product metric as a dashboard line, with exactly the dimension set the code emits (one service). */
function product(metric: MetricName, options: Record<string, unknown> = {}, dims: string[] = []): MetricLine {
  return [METRICS_NAMESPACE, metric, "service", onlyService(metric), ...dims, options];
}

/** One dashboard line per service that emits `metric`, labelled with the service. */
function perService(metric: MetricName, options: Record<string, unknown> = {}): MetricLine[] {
  return METRIC_SERVICE[metric].map((service) => [
    METRICS_NAMESPACE,
    metric,
    "service",
    service,
    { label: `${metric} (${service})`, ...options },
  ]);
}

function failedByKind(stat: string, kinds: readonly FailureKind[], visible: boolean): MetricLine[] {
  return kinds.map((kind) =>
    product(Metric.TargetsFailed, { id: `failed_${kind}`, label: `failed: ${kind}`, stat, visible }, [
      "FailureKind",
      kind,
    ]),
  );
}

/** The failed-target count as metric math over the per-kind series (missing kinds count as 0). */
function failedSumExpression(kinds: readonly FailureKind[]): string {
  return kinds.map((kind) => `FILL(failed_${kind}, 0)`).join(" + ");
}

/**
 * The dashboard body (CloudWatch dashboard JSON). Pure, so tests can read which metrics it shows.
 *
 * @example
 * new aws.cloudwatch.Dashboard("Dashboard", { dashboardName, dashboardBody: JSON.stringify(dashboardBody(refs)) });
 */
export function dashboardBody(refs: DashboardRefs): { widgets: DashboardWidget[] } {
  const { region } = refs;
  const hourly = { region, period: HOUR, view: "timeSeries", stacked: false };
  const widgets: DashboardWidget[] = [];
  let y = 0;
  const row = (...items: { title: string; props: Record<string, unknown>; metrics: MetricLine[] }[]) => {
    const width = 24 / items.length;
    items.forEach((item, i) => {
      widgets.push({
        type: "metric",
        x: i * width,
        y,
        width,
        height: 6,
        properties: { ...hourly, title: item.title, ...item.props, metrics: item.metrics },
      });
    });
    y += 6;
  };

  widgets.push({
    type: "text",
    x: 0,
    y,
    width: 24,
    height: 2,
    properties: {
      markdown: `## Plugin drift sweeper — ${refs.stage}\nHourly sweeps: dispatcher → SQS → workers → Postgres. Alarms notify the SNS topic in the stage outputs.`,
    },
  });
  y += 2;

  row(
    {
      title: "Sweeps started / completed",
      props: { stat: "Sum" },
      metrics: [product(Metric.SweepsStarted), ...perService(Metric.SweepsCompleted)],
    },
    {
      title: "Sweep duration (ms)",
      props: {},
      metrics: perService(Metric.SweepDuration, { stat: "Maximum" }),
    },
  );
  row(
    {
      title: "Targets: dispatched, resolved, failed, deferred",
      props: { stat: "Sum" },
      metrics: [
        product(Metric.TargetsDispatched),
        product(Metric.TargetsResolved, { id: "resolved" }),
        product(Metric.TargetsDeferred),
        ...failedByKind("Sum", FAILURE_KINDS, false),
        [
          {
            expression: failedSumExpression(FAILURE_KINDS),
            label: "TargetsFailed (all kinds)",
            id: "failed",
          },
        ],
      ],
    },
    {
      title: "Failed targets by kind",
      props: { stat: "Sum", stacked: true },
      metrics: failedByKind("Sum", FAILURE_KINDS, true),
    },
  );
  row(
    {
      title: "Drift found",
      props: { stat: "Sum" },
      metrics: [product(Metric.DriftNew), product(Metric.DriftRefreshed), product(Metric.DriftSuperseded)],
    },
    {
      title: "Failure ratio (failed / attempted)",
      props: { stat: "Sum", yAxis: { left: { min: 0, max: 1 } } },
      metrics: [
        product(Metric.TargetsResolved, { id: "resolved", visible: false }),
        ...failedByKind("Sum", COUNTED_FAILURE_KINDS, false),
        [{ expression: failedSumExpression(COUNTED_FAILURE_KINDS), id: "failed", visible: false }],
        [{ expression: "failed / (FILL(resolved, 0) + failed)", label: "failure ratio", id: "ratio" }],
      ],
    },
  );
  row(
    {
      title: "GitHub rate budget remaining (minimum)",
      props: {
        period: 300,
        annotations: { horizontal: [{ label: "alarm", value: refs.rateBudgetLowThreshold }] },
      },
      metrics: [product(Metric.RateBudgetRemaining, { stat: "Minimum" })],
    },
    {
      title: "GitHub requests and points used",
      props: { stat: "Sum" },
      metrics: [product(Metric.GitHubRequests), product(Metric.GitHubPointsUsed, { yAxis: "right" })],
    },
  );
  row(
    {
      title: "Rows scanned / skipped / invalid",
      props: { stat: "Sum" },
      metrics: [product(Metric.RowsScanned), product(Metric.RowsSkipped), product(Metric.RowsInvalid)],
    },
    {
      title: "Messages sent / rejected",
      props: { stat: "Sum" },
      metrics: [product(Metric.MessagesSent), product(Metric.MessagesRejected)],
    },
  );
  row(
    {
      title: "Sweep queue and DLQ depth",
      props: { period: 300, stat: "Maximum" },
      metrics: [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", refs.dlqName, { label: "DLQ depth" }],
        [
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          "QueueName",
          refs.queueName,
          { label: "queue depth" },
        ],
        [
          "AWS/SQS",
          "ApproximateAgeOfOldestMessage",
          "QueueName",
          refs.queueName,
          { label: "oldest message (s)", yAxis: "right" },
        ],
      ],
    },
    {
      title: "Worker errors, throttles, concurrency",
      props: { period: 300, stat: "Sum" },
      metrics: [
        ["AWS/Lambda", "Errors", "FunctionName", refs.workerFunctionName, { label: "worker errors" }],
        ["AWS/Lambda", "Throttles", "FunctionName", refs.workerFunctionName, { label: "worker throttles" }],
        [
          "AWS/Lambda",
          "ConcurrentExecutions",
          "FunctionName",
          refs.workerFunctionName,
          { label: "worker concurrency", stat: "Maximum", yAxis: "right" },
        ],
        ["AWS/Lambda", "Errors", "FunctionName", refs.dispatcherFunctionName, { label: "dispatcher errors" }],
      ],
    },
  );
  row(
    {
      title: "Admin API: updates applied / dismissed",
      props: { stat: "Sum" },
      metrics: [product(Metric.UpdatesApplied), product(Metric.UpdatesDismissed)],
    },
    {
      title: "Admin API: invocations and errors",
      props: { period: 300, stat: "Sum" },
      metrics: [
        ["AWS/Lambda", "Invocations", "FunctionName", refs.apiFunctionName],
        ["AWS/Lambda", "Errors", "FunctionName", refs.apiFunctionName],
      ],
    },
  );
  return { widgets };
}

/** The names of the product metrics a dashboard body shows (lines in METRICS_NAMESPACE). */
export function productMetricsOf(body: { widgets: readonly DashboardWidget[] }): MetricName[] {
  const names = new Set<string>();
  for (const widget of body.widgets) {
    for (const line of widget.properties.metrics ?? []) {
      if (line[0] === METRICS_NAMESPACE && typeof line[1] === "string") names.add(line[1]);
    }
  }
  return [...names] as MetricName[];
}

/** Deployed references the alarms and the dashboard need. */
export interface ObservedResources {
  readonly dispatcherFunctionName: $util.Input<string>;
  readonly workerFunctionName: $util.Input<string>;
  readonly apiFunctionName: $util.Input<string>;
  readonly queueName: $util.Input<string>;
  readonly dlqName: $util.Input<string>;
}

/** One alarm of the product; `args` are the MetricAlarm arguments without the actions. */
interface AlarmSpec {
  readonly name: string;
  readonly args: Omit<
    aws.cloudwatch.MetricAlarmArgs,
    "alarmActions" | "okActions" | "actionsEnabled" | "name"
  >;
}

function productDims(metric: MetricName, extra: Record<string, string> = {}) {
  return { service: onlyService(metric), ...extra };
}

/** The four alarms: DLQ not empty, failure ratio high, rate budget low, no completed sweep in 2 hours. */
export function alarmSpecs(settings: StageSettings, refs: ObservedResources): AlarmSpec[] {
  const failedQueries = COUNTED_FAILURE_KINDS.map((kind) => ({
    id: `failed_${kind}`,
    returnData: false,
    metric: {
      namespace: METRICS_NAMESPACE,
      metricName: Metric.TargetsFailed,
      dimensions: productDims(Metric.TargetsFailed, { FailureKind: kind }),
      stat: "Sum",
      period: HOUR,
    },
  }));
  return [
    {
      name: "DlqNotEmpty",
      args: {
        alarmDescription:
          "Sweep messages failed 5 times and are in the dead-letter queue. Inspect them, fix, then redrive.",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: refs.dlqName },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
    },
    {
      name: "FailureRatioHigh",
      args: {
        alarmDescription: `More than ${FAILURE_RATIO_THRESHOLD * 100}% of the targets attempted in an hour failed to resolve (at least ${FAILURE_RATIO_MIN_TARGETS} attempted). See "Failed targets by kind".`,
        metricQueries: [
          {
            id: "resolved",
            returnData: false,
            metric: {
              namespace: METRICS_NAMESPACE,
              metricName: Metric.TargetsResolved,
              dimensions: productDims(Metric.TargetsResolved),
              stat: "Sum",
              period: HOUR,
            },
          },
          ...failedQueries,
          { id: "failed", returnData: false, expression: failedSumExpression(COUNTED_FAILURE_KINDS) },
          { id: "attempted", returnData: false, expression: "FILL(resolved, 0) + failed" },
          {
            id: "ratio",
            label: "failure ratio",
            returnData: true,
            // Quiet on tiny samples: 1 failure out of 2 is not an incident.
            expression: `IF(attempted >= ${FAILURE_RATIO_MIN_TARGETS}, failed / attempted, 0)`,
          },
        ],
        evaluationPeriods: 1,
        threshold: FAILURE_RATIO_THRESHOLD,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
    },
    {
      name: "RateBudgetLow",
      args: {
        alarmDescription: `GitHub rate budget fell below ${settings.rateBudgetLowThreshold} points: sweeps are deferring targets. Add credentials (a GitHub App has a larger budget) or sweep less often.`,
        namespace: METRICS_NAMESPACE,
        metricName: Metric.RateBudgetRemaining,
        dimensions: productDims(Metric.RateBudgetRemaining),
        statistic: "Minimum",
        period: 300,
        evaluationPeriods: 1,
        threshold: settings.rateBudgetLowThreshold,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "notBreaching",
      },
    },
    {
      name: "NoCompletedSweep",
      args: {
        alarmDescription:
          "No sweep completed in the last 2 hours. Check the dispatcher's errors, the schedule and the queue.",
        metricQueries: [
          ...METRIC_SERVICE[Metric.SweepsCompleted].map((service) => ({
            id: `completed_${service}`,
            returnData: false,
            metric: {
              namespace: METRICS_NAMESPACE,
              metricName: Metric.SweepsCompleted,
              dimensions: { service },
              stat: "Sum",
              period: 2 * HOUR,
            },
          })),
          {
            id: "completed",
            label: "sweeps completed",
            returnData: true,
            expression: METRIC_SERVICE[Metric.SweepsCompleted]
              .map((s) => `FILL(completed_${s}, 0)`)
              .join(" + "),
          },
        ],
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        // No data at all is exactly the failure this alarm exists for.
        treatMissingData: "breaching",
      },
    },
  ];
}

/**
 * The SNS topic, the dashboard and the alarms. Alarm actions are enabled where the schedule runs: an idle
 * development stage has no sweeps and must not page anyone.
 */
export function createObservability(settings: StageSettings, refs: ObservedResources) {
  const topic = new sst.aws.SnsTopic("Alarms");
  if (settings.alarmEmail) {
    new aws.sns.TopicSubscription("AlarmsEmail", {
      topic: topic.arn,
      protocol: "email",
      endpoint: settings.alarmEmail,
    });
  }

  const prefix = `${$app.name}-${$app.stage}`;
  const region = aws.getRegionOutput().region;
  const dashboard = new aws.cloudwatch.Dashboard("Dashboard", {
    dashboardName: prefix,
    dashboardBody: $resolve([
      region,
      refs.dispatcherFunctionName,
      refs.workerFunctionName,
      refs.apiFunctionName,
      refs.queueName,
      refs.dlqName,
    ]).apply(([region, dispatcherFunctionName, workerFunctionName, apiFunctionName, queueName, dlqName]) =>
      JSON.stringify(
        dashboardBody({
          region,
          stage: $app.stage,
          dispatcherFunctionName,
          workerFunctionName,
          apiFunctionName,
          queueName,
          dlqName,
          rateBudgetLowThreshold: settings.rateBudgetLowThreshold,
        }),
      ),
    ),
  });

  const alarms = alarmSpecs(settings, refs).map(
    (spec) =>
      new aws.cloudwatch.MetricAlarm(`Alarm${spec.name}`, {
        ...spec.args,
        name: `${prefix}-${spec.name}`,
        actionsEnabled: settings.scheduleEnabled,
        alarmActions: [topic.arn],
        okActions: [topic.arn],
      }),
  );
  return { topic, dashboard, alarms };
}
