/**
 * The product's metrics as CloudWatch sees them, shared by the dashboard (infra/dashboard.ts) and the alarms
 * (infra/alarms.ts).
 *
 * The product's metrics are Embedded Metric Format lines written by Powertools Metrics in namespace
 * METRICS_NAMESPACE with the dimensions `service` (POWERTOOLS_SERVICE_NAME, set per function in infra/functions)
 * and `stage` (DRIFT_STAGE, a Powertools default dimension: packages/aws createLambdaMetrics). CloudWatch matches
 * dimension sets exactly, so every query names `service`, `stage` (and `FailureKind` for TargetsFailed, `Api` for
 * the GitHub request and budget metrics) exactly
 * as the code emits them. METRIC_SERVICE says which function emits which metric.
 */
import { METRICS_NAMESPACE, type MetricName } from "../packages/core/src/metrics";
import { FAILURE_KINDS, type FailureKind } from "../packages/core/src/resolution";

/** The services that emit product metrics. */
export type MetricService = "dispatcher" | "worker" | "api" | "webhook" | "migrate" | "rollout";

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
  SweepsSkipped: ["dispatcher"],
  Deployments: ["migrate"],
  SweepDuration: ["dispatcher", "worker"],
  TargetsResolved: ["worker"],
  TargetsFailed: ["worker"],
  TargetsDeferred: ["worker"],
  DeferralsRequeued: ["worker"],
  DeferralsLeftToSweep: ["worker"],
  DriftNew: ["worker"],
  DriftRefreshed: ["worker"],
  // The dispatcher supersedes updates of plugins re-pointed or untracked; the worker those back in sync.
  DriftSuperseded: ["dispatcher", "worker"],
  GitHubRequests: ["worker"],
  GitHubPointsUsed: ["worker"],
  GitHubBudgetRemaining: ["worker"],
  MessagesRejected: ["worker"],
  UpdatesApplied: ["api"],
  UpdatesDismissed: ["api"],
  WebhookDeliveries: ["webhook"],
  WebhookSignatureRejected: ["webhook"],
  RechecksQueued: ["webhook"],
  // Measured when the worker records a re-check's outcome.
  DetectionLatency: ["worker"],
  DriftDetected: ["worker"],
  UpdatesAutoApplied: ["worker"],
  UpdatesCoolingDown: ["worker"],
  IntegrityEvents: ["worker"],
  // Rollouts: the request that creates one starts its first wave (the api, or the worker for a policy's), a
  // report can halt it (api), the rollout tick starts the later waves and halts what reports left running.
  UpdatesRolledBack: ["api", "rollout"],
  RolloutWavesStarted: ["api", "worker", "rollout"],
  RolloutsHalted: ["api", "rollout"],
  // Sent by the functions that drain the outbox: the worker after each batch, the dispatcher hourly (the API's
  // sends right after a decision are not counted; the next worker or dispatcher run reports any failure).
  NotificationsSent: ["dispatcher", "worker"],
  NotificationsFailed: ["dispatcher", "worker"],
  NotificationsFailing: ["dispatcher", "worker"],
};

/** The `Api` dimension values: of GitHubRequests (all three) and GitHubBudgetRemaining (GitHub's two budgets). */
export const REQUEST_APIS = ["graphql", "rest", "gitea"] as const;
export const BUDGET_APIS = ["graphql", "rest"] as const;

/** The `Event` dimension values of WebhookDeliveries (packages/api/src/webhooks: the re-check events, ping, other). */
export const WEBHOOK_EVENTS = ["push", "create", "delete", "release", "ping", "other"] as const;

/** The one service that emits `metric` (for queries that need a single series, e.g. alarm inputs). */
export function onlyService(metric: MetricName): MetricService {
  const services = METRIC_SERVICE[metric];
  if (services.length !== 1) throw new Error(`${metric} is emitted by ${services.join(", ")}: query each`);
  return services[0] as MetricService;
}

/** Failure kinds that count against the failure ratio (a deferred target was not attempted: not a failure). */
export const COUNTED_FAILURE_KINDS: readonly FailureKind[] = FAILURE_KINDS.filter((k) => k !== "deferred");

/** One hour, in seconds: the period of the hourly graphs and alarm queries. */
export const HOUR = 3600;

/** The failed-target count as metric math over the per-kind series (missing kinds count as 0). */
export function failedSumExpression(kinds: readonly FailureKind[]): string {
  return kinds.map((kind) => `FILL(failed_${kind}, 0)`).join(" + ");
}

/** One dashboard metric line of a stage: namespace, metric, exactly the dimensions the code emits, then options. */
export type MetricLine = (string | Record<string, unknown>)[];

/** The line of `metric` as its only service emits it in `stage` (plus extra dimension pairs, e.g. a kind). */
export function productLine(
  stage: string,
  metric: MetricName,
  options: Record<string, unknown> = {},
  dims: readonly string[] = [],
): MetricLine {
  return [METRICS_NAMESPACE, metric, "service", onlyService(metric), "stage", stage, ...dims, options];
}

/** The lines of `metric` of every service that emits it in `stage`, labelled `<label> (<service>)`, plus options. */
export function perServiceLines(
  stage: string,
  metric: MetricName,
  label: string = metric,
  options: Record<string, unknown> = {},
): MetricLine[] {
  return METRIC_SERVICE[metric].map(
    (service): MetricLine => [
      METRICS_NAMESPACE,
      metric,
      "service",
      service,
      "stage",
      stage,
      { label: `${label} (${service})`, ...options },
    ],
  );
}
