/**
 * The alarms of the product: DLQ not empty, failure ratio high, rate budget low, no completed sweep in two hours,
 * the dispatcher failing or running close to its timeout, and webhook deliveries refused for their signature. Pure specifications: infra/observability.ts creates
 * them with the SNS topic as their action. Product metrics are queried with the stage's `stage` dimension, so one
 * stage's sweeps never satisfy (or trip) another stage's alarms.
 */
import { METRICS_NAMESPACE, Metric, type MetricName } from "../packages/core/src/metrics";
import { DISPATCHER_SLOW_SECONDS, DISPATCHER_TIMEOUT_SECONDS } from "./functions/dispatcher";
import { notificationAlarmSpecs } from "./notifications";
import {
  BUDGET_APIS,
  COUNTED_FAILURE_KINDS,
  failedSumExpression,
  HOUR,
  METRIC_SERVICE,
  onlyService,
} from "./product-metrics";
import { rolloutAlarmSpecs } from "./rollouts";
import type { StageSettings } from "./stage";
import { supplyChainAlarmSpecs } from "./supply-chain";

/** Failure ratio above which the alarm fires, and the number of attempts below which it stays quiet. */
export const FAILURE_RATIO_THRESHOLD = 0.2;
export const FAILURE_RATIO_MIN_TARGETS = 20;

/** Deployed references the alarms need. */
export interface AlarmRefs {
  readonly dlqName: $util.Input<string>;
  readonly dispatcherFunctionName: $util.Input<string>;
}

/** One alarm of the product; `args` are the MetricAlarm arguments without the actions. */
export interface AlarmSpec {
  readonly name: string;
  readonly args: Omit<
    aws.cloudwatch.MetricAlarmArgs,
    "alarmActions" | "okActions" | "actionsEnabled" | "name"
  >;
}

/** Exactly the dimension set the code emits for a product metric: service (and FailureKind), and the stage. */
const productDims = (stage: string, metric: MetricName, extra: Record<string, string> = {}) => ({
  service: onlyService(metric),
  stage,
  ...extra,
});

/**
 * The ten alarms: DLQ, failure ratio, rate budget, no completed sweep, dispatcher errors and duration, webhook
 * signatures refused (and the supply-chain, rollout and notification ones). One function per alarm, so each reads
 * as CloudWatch shows it.
 */
export function alarmSpecs(settings: StageSettings, refs: AlarmRefs): AlarmSpec[] {
  const { stage } = settings;
  return [
    dlqAlarm(refs),
    failureRatioAlarm(stage),
    rateBudgetAlarm(settings),
    noCompletedSweepAlarm(stage),
    ...dispatcherAlarms(refs),
    webhookSignatureAlarm(stage),
    ...supplyChainAlarmSpecs(stage),
    ...rolloutAlarmSpecs(stage),
    ...notificationAlarmSpecs(stage),
  ];
}

function dlqAlarm(refs: AlarmRefs): AlarmSpec {
  return {
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
  };
}

function failureRatioAlarm(stage: string): AlarmSpec {
  const failedQueries = COUNTED_FAILURE_KINDS.map((kind) => ({
    id: `failed_${kind}`,
    returnData: false,
    metric: {
      namespace: METRICS_NAMESPACE,
      metricName: Metric.TargetsFailed,
      dimensions: productDims(stage, Metric.TargetsFailed, { FailureKind: kind }),
      stat: "Sum",
      period: HOUR,
    },
  }));
  return {
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
            dimensions: productDims(stage, Metric.TargetsResolved),
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
  };
}

function rateBudgetAlarm(settings: StageSettings): AlarmSpec {
  return {
    name: "RateBudgetLow",
    args: {
      alarmDescription: `A GitHub rate budget (GraphQL points or REST requests) fell below ${settings.rateBudgetLowThreshold}: sweeps are deferring targets. Add credentials (a GitHub App has a larger budget) or sweep less often.`,
      // Each budget is its own series; the alarm watches the lower of the two.
      metricQueries: [
        ...BUDGET_APIS.map((api) => ({
          id: `left_${api}`,
          returnData: false,
          metric: {
            namespace: METRICS_NAMESPACE,
            metricName: Metric.GitHubBudgetRemaining,
            dimensions: productDims(settings.stage, Metric.GitHubBudgetRemaining, { Api: api }),
            stat: "Minimum",
            period: 300,
          },
        })),
        {
          id: "lowest",
          label: "lowest GitHub budget remaining",
          returnData: true,
          expression: `MIN([${BUDGET_APIS.map((api) => `left_${api}`).join(", ")}])`,
        },
      ],
      evaluationPeriods: 1,
      threshold: settings.rateBudgetLowThreshold,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "notBreaching",
    },
  };
}

function noCompletedSweepAlarm(stage: string): AlarmSpec {
  const services = METRIC_SERVICE[Metric.SweepsCompleted];
  return {
    name: "NoCompletedSweep",
    args: {
      alarmDescription:
        "No sweep completed in the last 2 hours. Check the dispatcher's errors, the schedule and the queue.",
      metricQueries: [
        ...services.map((service) => ({
          id: `completed_${service}`,
          returnData: false,
          metric: {
            namespace: METRICS_NAMESPACE,
            metricName: Metric.SweepsCompleted,
            dimensions: { service, stage },
            stat: "Sum",
            period: 2 * HOUR,
          },
        })),
        // A sweep skipped because the deployment is not configured yet is not an incident (docs/deploy.md), and a
        // deploy marks the start of a stage's life: no sweep could have completed before its first hour.
        ...[Metric.SweepsSkipped, Metric.Deployments].map((metricName) => ({
          id: metricName === Metric.SweepsSkipped ? "skipped" : "deployed",
          returnData: false,
          metric: {
            namespace: METRICS_NAMESPACE,
            metricName,
            dimensions: productDims(stage, metricName),
            stat: "Sum",
            period: 2 * HOUR,
          },
        })),
        {
          id: "completed",
          label: "sweeps completed (or skipped: not configured; or a deploy in the window)",
          returnData: true,
          expression: [...services.map((s) => `completed_${s}`), "skipped", "deployed"]
            .map((id) => `FILL(${id}, 0)`)
            .join(" + "),
        },
      ],
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // No data at all is exactly the failure this alarm exists for.
      treatMissingData: "breaching",
    },
  };
}

/** Deliveries refused in an hour above which the webhook secret is probably out of step with the hosts. */
export const WEBHOOK_REJECTED_THRESHOLD = 10;

/**
 * Webhook deliveries refused for their signature: a secret rotated on one side only (every delivery is then
 * refused, and detection falls back to the hourly sweep), or someone probing the public URL.
 */
function webhookSignatureAlarm(stage: string): AlarmSpec {
  const metric = Metric.WebhookSignatureRejected;
  return {
    name: "WebhookSignaturesRejected",
    args: {
      alarmDescription: `More than ${WEBHOOK_REJECTED_THRESHOLD} webhook deliveries in an hour had a signature that did not match: the webhook secret and the hosts' secret differ (rotate both together, docs/deploy.md), or the URL is being probed. Detection falls back to the hourly sweep meanwhile.`,
      namespace: METRICS_NAMESPACE,
      metricName: metric,
      dimensions: { service: onlyService(metric), stage },
      statistic: "Sum",
      period: HOUR,
      evaluationPeriods: 1,
      threshold: WEBHOOK_REJECTED_THRESHOLD,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    },
  };
}

/** The dispatcher failed (errors are not retried: the next hour is the retry), or ran close to its timeout. */
function dispatcherAlarms(refs: AlarmRefs): AlarmSpec[] {
  const lambda = { namespace: "AWS/Lambda", dimensions: { FunctionName: refs.dispatcherFunctionName } };
  return [
    {
      name: "DispatcherErrors",
      args: {
        alarmDescription:
          "The dispatcher failed: this hour's sweep did not (fully) dispatch. Its logs say why; the next hour retries.",
        ...lambda,
        metricName: "Errors",
        statistic: "Sum",
        period: HOUR,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
    },
    {
      name: "DispatcherSlow",
      args: {
        alarmDescription: `A dispatch took over ${DISPATCHER_SLOW_SECONDS} s of its ${DISPATCHER_TIMEOUT_SECONDS} s timeout: raise the dispatcher's timeout and memory (infra/functions/dispatcher.ts) before it times out.`,
        ...lambda,
        metricName: "Duration",
        statistic: "Maximum",
        period: HOUR,
        evaluationPeriods: 1,
        threshold: DISPATCHER_SLOW_SECONDS * 1000,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
    },
  ];
}
