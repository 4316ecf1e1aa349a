// size: panel data only (one object per panel, in the order CloudWatch shows them); a split would scatter one screen.
/**
 * The dashboard's panels, row by row (infra/dashboard.ts lays them out): what the sweeps did, the hosts' budget
 * and the volume, the pipeline under the sweep, the admin API, webhooks. Pure.
 */
import { Metric, type MetricName } from "../packages/core/src/metrics";
import { FAILURE_KINDS, type FailureKind } from "../packages/core/src/resolution";
import { DISPATCHER_SLOW_SECONDS, DISPATCHER_TIMEOUT_SECONDS } from "./functions/dispatcher";
import {
  BUDGET_APIS,
  COUNTED_FAILURE_KINDS,
  failedSumExpression,
  HOUR,
  type MetricLine,
  perServiceLines,
  productLine,
  REQUEST_APIS,
  WEBHOOK_EVENTS,
} from "./product-metrics";

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

/** One panel of a dashboard row: its title, its properties beyond the hourly defaults, its lines. */
export interface Panel {
  readonly title: string;
  readonly props: Record<string, unknown>;
  readonly metrics: MetricLine[];
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
    perServiceLines(stage, metric, metric, options);
  const failedByKind = (stat: string, kinds: readonly FailureKind[], visible: boolean): MetricLine[] =>
    kinds.map((kind) =>
      product(Metric.TargetsFailed, { id: `failed_${kind}`, label: `failed: ${kind}`, stat, visible }, [
        "FailureKind",
        kind,
      ]),
    );
  return { product, perService, failedByKind };
}

type Lines = ReturnType<typeof productLines>;

/** The rows of product and AWS panels, top to bottom (the supply-chain rows follow them). */
export function productRows(refs: DashboardRefs): Panel[][] {
  const lines = productLines(refs.stage);
  return [
    ...sweepRows(lines),
    ...volumeRows(lines, refs),
    ...pipelineRows(refs),
    ...adminRows(lines, refs),
    ...webhookRows(lines),
  ];
}

/** What the sweeps did: runs, targets, drift. */
function sweepRows({ product, perService, failedByKind }: Lines): Panel[][] {
  return [
    [
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
    ],
    [
      {
        title: "Targets: dispatched, resolved, failed, deferred (re-queued, left to the sweep)",
        props: { stat: "Sum" },
        metrics: [
          product(Metric.TargetsDispatched),
          product(Metric.TargetsResolved, { id: "resolved" }),
          product(Metric.TargetsDeferred),
          ...[Metric.DeferralsRequeued, Metric.DeferralsLeftToSweep].map((m) => product(m)),
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
    ],
    [
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
    ],
  ];
}

/** The hosts' budget and the sweep's volume: GitHub requests, rows, messages. */
function volumeRows({ product }: Lines, refs: DashboardRefs): Panel[][] {
  return [
    [
      {
        // GitHub's two budgets apart: GraphQL points and REST (core) requests are different currencies.
        title: "GitHub budget remaining (minimum): GraphQL points, REST requests",
        props: {
          period: 300,
          annotations: { horizontal: [{ label: "alarm", value: refs.rateBudgetLowThreshold }] },
        },
        metrics: BUDGET_APIS.map((api) =>
          product(Metric.GitHubBudgetRemaining, { stat: "Minimum", label: `${api} remaining` }, ["Api", api]),
        ),
      },
      {
        title: "Requests by API (GraphQL, REST, Gitea) and GraphQL points used",
        props: { stat: "Sum" },
        metrics: [
          ...REQUEST_APIS.map((api) =>
            product(Metric.GitHubRequests, { label: `${api} requests` }, ["Api", api]),
          ),
          product(Metric.GitHubPointsUsed, { yAxis: "right", label: "GraphQL points" }),
        ],
      },
    ],
    [
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
    ],
  ];
}

/** Under the sweep: the queue, the worker and the dispatcher. */
function pipelineRows(refs: DashboardRefs): Panel[][] {
  return [
    [
      {
        title: "Sweep queue and DLQ depth",
        props: { period: 300, stat: "Maximum" },
        metrics: [
          [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            refs.dlqName,
            { label: "DLQ depth" },
          ],
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
          [
            "AWS/Lambda",
            "Errors",
            "FunctionName",
            refs.dispatcherFunctionName,
            { label: "dispatcher errors" },
          ],
        ],
      },
    ],
    [
      {
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
      },
    ],
  ];
}

/** The admin API's decisions and its function. */
function adminRows({ product }: Lines, refs: DashboardRefs): Panel[][] {
  return [
    [
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
    ],
  ];
}

/** Webhook deliveries and how fast they turn into recorded drift. */
function webhookRows({ product }: Lines): Panel[][] {
  return [
    [
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
    ],
  ];
}
