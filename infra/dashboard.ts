/**
 * The CloudWatch dashboard: what one sweep did (targets, drift, failures by kind), the GitHub rate budget, the
 * queue and DLQ, the functions' errors and the admin API's decisions. Pure: infra/observability.ts deploys it.
 */
import { METRICS_NAMESPACE, Metric, type MetricName } from "../packages/core/src/metrics";
import { FAILURE_KINDS, type FailureKind } from "../packages/core/src/resolution";
import { DISPATCHER_SLOW_SECONDS, DISPATCHER_TIMEOUT_SECONDS } from "./functions/dispatcher";
import {
  COUNTED_FAILURE_KINDS,
  failedSumExpression,
  HOUR,
  METRIC_SERVICE,
  type MetricLine,
  productLine,
  WEBHOOK_EVENTS,
} from "./product-metrics";
import { rolloutPanels } from "./rollouts";
import { supplyChainPanels } from "./supply-chain";

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

/** A CloudWatch dashboard widget (the subset of the dashboard body schema used here). */
export interface DashboardWidget {
  readonly type: "metric" | "text";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown> & { metrics?: MetricLine[] };
}

/**
 * The product metric lines of one stage, with exactly the dimension set the code emits: `service` (one), the
 * `stage`, and FailureKind for TargetsFailed.
 */
function productLines(stage: string) {
  const product = (metric: MetricName, options: Record<string, unknown> = {}, dims: string[] = []) =>
    productLine(stage, metric, options, dims);
  /** One dashboard line per service that emits `metric`, labelled with the service. */
  const perService = (metric: MetricName, options: Record<string, unknown> = {}): MetricLine[] =>
    METRIC_SERVICE[metric].map((service) => [
      METRICS_NAMESPACE,
      metric,
      "service",
      service,
      "stage",
      stage,
      { label: `${metric} (${service})`, ...options },
    ]);
  const failedByKind = (stat: string, kinds: readonly FailureKind[], visible: boolean): MetricLine[] =>
    kinds.map((kind) =>
      product(Metric.TargetsFailed, { id: `failed_${kind}`, label: `failed: ${kind}`, stat, visible }, [
        "FailureKind",
        kind,
      ]),
    );
  return { product, perService, failedByKind };
}

/**
 * The dashboard body (CloudWatch dashboard JSON). Pure, so tests can read which metrics it shows.
 *
 * @example
 * new aws.cloudwatch.Dashboard("Dashboard", { dashboardName, dashboardBody: JSON.stringify(dashboardBody(refs)) });
 */
export function dashboardBody(refs: DashboardRefs): { widgets: DashboardWidget[] } {
  // Long on purpose: one `row(...)` per dashboard row, read top to bottom as operators see the dashboard.
  const { region } = refs;
  const { product, perService, failedByKind } = productLines(refs.stage);
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
      metrics: [
        product(Metric.DriftNew),
        product(Metric.DriftRefreshed),
        ...perService(Metric.DriftSuperseded),
      ],
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
  row({
    title: "Dispatcher duration (ms) against its timeout",
    props: {
      period: HOUR,
      stat: "Maximum",
      annotations: {
        horizontal: [
          { label: "DispatcherSlow alarm", value: DISPATCHER_SLOW_SECONDS * 1000 },
          { label: "timeout", value: DISPATCHER_TIMEOUT_SECONDS * 1000 },
        ],
      },
    },
    metrics: [
      ["AWS/Lambda", "Duration", "FunctionName", refs.dispatcherFunctionName, { label: "dispatcher" }],
    ],
  });
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
  row(
    {
      title: "Webhooks: deliveries by event, rejected signatures, re-checks queued",
      props: { period: 300, stat: "Sum" },
      metrics: [
        ...WEBHOOK_EVENTS.map((event) =>
          product(Metric.WebhookDeliveries, { label: `deliveries: ${event}` }, ["Event", event]),
        ),
        product(Metric.WebhookSignatureRejected, { label: "rejected signatures" }),
        product(Metric.RechecksQueued, { label: "re-checks queued", yAxis: "right" }),
      ],
    },
    {
      title: "Webhook detection latency (ms, delivery to recorded drift)",
      props: { period: 300 },
      metrics: [
        product(Metric.DetectionLatency, { stat: "p50", label: "median" }),
        product(Metric.DetectionLatency, { stat: "p99", label: "p99" }),
      ],
    },
  );
  const panels = [...supplyChainPanels(refs.stage), ...rolloutPanels(refs.stage)];
  for (let i = 0; i < panels.length; i += 2) row(...panels.slice(i, i + 2));
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
