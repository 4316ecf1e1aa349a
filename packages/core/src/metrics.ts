/**
 * The product's CloudWatch metric names (Embedded Metric Format). One list, used by the code that emits them,
 * by the dashboard and alarms in infra/, and by the test that checks the two agree.
 */
export const METRICS_NAMESPACE = "PluginDriftSweeper";

export const Metric = {
  /** workspace_plugins rows read by the dispatcher. */
  RowsScanned: "RowsScanned",
  /** Rows not followed (tracked_ref none, local source, unknown installed_sha). */
  RowsSkipped: "RowsSkipped",
  /** Rows with an invalid source, tracked_ref or installed_sha. */
  RowsInvalid: "RowsInvalid",
  TargetsDispatched: "TargetsDispatched",
  MessagesSent: "MessagesSent",
  TargetsResolved: "TargetsResolved",
  /** Dimension `FailureKind` (not_found, forbidden, rate_limited, transient, invalid). */
  TargetsFailed: "TargetsFailed",
  TargetsDeferred: "TargetsDeferred",
  /** Targets not answered in time (deadline, a host timing out twice) sent back to the re-check queue with a delay. */
  DeferralsRequeued: "DeferralsRequeued",
  /** Such targets left to the next hourly sweep (re-queued too often already, or the re-queue failed). */
  DeferralsLeftToSweep: "DeferralsLeftToSweep",
  DriftNew: "DriftNew",
  DriftRefreshed: "DriftRefreshed",
  DriftSuperseded: "DriftSuperseded",
  /** HTTP requests to the hosts; dimension `Api` (graphql and rest: GitHub's two budgets; gitea: Gitea/Forgejo). */
  GitHubRequests: "GitHubRequests",
  /** GraphQL points GitHub charged (`rateLimit { cost }`); REST requests are their own budget, not points. */
  GitHubPointsUsed: "GitHubPointsUsed",
  /** What a GitHub budget has left as the host last reported it; dimension `Api` (graphql: points, rest: requests). */
  GitHubBudgetRemaining: "GitHubBudgetRemaining",
  /** Poison / malformed SQS messages. */
  MessagesRejected: "MessagesRejected",
  SweepsStarted: "SweepsStarted",
  SweepsCompleted: "SweepsCompleted",
  /** Hourly sweeps not run because the deployment is not configured yet (its GitHub credentials secret is empty). */
  SweepsSkipped: "SweepsSkipped",
  /** A deploy ran the migrations: a new stage owes no completed sweep before its first hour has passed. */
  Deployments: "Deployments",
  /** Milliseconds from dispatch start to the last message done. */
  SweepDuration: "SweepDuration",
  UpdatesApplied: "UpdatesApplied",
  UpdatesDismissed: "UpdatesDismissed",
  /** New and refreshed pending rows; dimension `DriftKind` (tag_moved, new_version, ref_moved, pin_mismatch). */
  DriftDetected: "DriftDetected",
  /** Updates the sweep applied by policy (`decided_by = policy:<id>`). */
  UpdatesAutoApplied: "UpdatesAutoApplied",
  /** Pending rows still cooling down (younger than the minimum release age), per message. */
  UpdatesCoolingDown: "UpdatesCoolingDown",
  /** Tag-integrity events; dimension `IntegrityKind` (tag_repointed, tag_deleted, tag_recreated, version_downgrade). */
  IntegrityEvents: "IntegrityEvents",
  /** Signed webhook deliveries accepted; dimension `Event` (push, create, delete, release, ping, other). */
  WebhookDeliveries: "WebhookDeliveries",
  /** Webhook deliveries refused for a missing or wrong signature (401). */
  WebhookSignatureRejected: "WebhookSignatureRejected",
  /** Re-check messages queued by webhooks (after dedupe and per-repository coalescing). */
  RechecksQueued: "RechecksQueued",
  /** Milliseconds from the first webhook delivery a re-check covers to its drift being recorded. */
  DetectionLatency: "DetectionLatency",
  /** Applied updates rolled back (by hand, or by a rollout that halted with rollback_on_halt). */
  UpdatesRolledBack: "UpdatesRolledBack",
  /** Rollout waves started (the first by the request that creates a rollout, the others by the rollout tick). */
  RolloutWavesStarted: "RolloutWavesStarted",
  /** Rollouts halted by failed health reports (the RolloutHalted alarm). */
  RolloutsHalted: "RolloutsHalted",
  /** Notification deliveries a receiver accepted (2xx). */
  NotificationsSent: "NotificationsSent",
  /** Notification delivery attempts that failed (refused URL, network error, timeout, non-2xx); retried. */
  NotificationsFailed: "NotificationsFailed",
  /** Subscriptions whose oldest undelivered notification has been failing for an hour or more (a gauge). */
  NotificationsFailing: "NotificationsFailing",
} as const;

export type MetricName = (typeof Metric)[keyof typeof Metric];

export const ALL_METRICS: readonly MetricName[] = Object.values(Metric);
