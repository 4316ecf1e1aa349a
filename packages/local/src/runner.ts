// The handlers alone: the package index also loads the AWS SDK clients, which a local sweep never uses.
import { createDispatcherHandler, createWorkerHandler } from "@drift/aws/handlers";
import {
  createLogNotifier,
  createPolicyStep,
  type DispatchConfig,
  type Log,
  Metric,
  type Resolver,
  type SweepStore,
  type WorkerConfig,
} from "@drift/core";
import {
  countPendingUpdates,
  createDecisionStore,
  createEventOutbox,
  createPolicyStore,
  createReviewStore,
  createSweepStore,
  type Sql,
  sweepTotals,
} from "@drift/db";
import { LocalQueue, type LocalQueueOptions } from "./local-queue";
import { MetricsCollector } from "./metrics-collector";
import { localRolloutDeps } from "./rollout-deps";

export interface LocalSweepOptions {
  readonly sql: Sql;
  readonly resolver: Resolver;
  readonly log: Log;
  /** The in-process queue, or its options (a test may pass a queue holding extra messages). */
  readonly queue?: LocalQueueOptions | LocalQueue;
  readonly dispatch?: Partial<DispatchConfig>;
  readonly worker?: Partial<WorkerConfig>;
  /** The store the handlers use (default: the Postgres store on `sql`; a test may wrap it to observe calls). */
  readonly store?: SweepStore;
  /** Called as messages are acknowledged (progress display). */
  readonly onProgress?: (done: number, total: number) => void;
  /** `DRIFT_MIN_RELEASE_AGE` in milliseconds (default 0). */
  readonly minReleaseAgeMs?: number;
  /** The clock cooling down is judged by, and first sightings recorded by (tests inject one). */
  readonly now?: () => Date;
}

/** What `drift sweep` reports; drift and target counts come from the database, so they match it. */
export interface SweepSummary {
  readonly status: "completed" | "incomplete" | "skipped";
  readonly sweepId: string | null;
  readonly reason?: string;
  readonly durationMs: number;
  /** Of which the dispatcher (mapping pass, paging due targets, sending). */
  readonly dispatchMs: number;
  /** Rows in the table, of which `mapped` were new or changed (parsed and written), and skipped / invalid. */
  readonly rows: { scanned: number; mapped: number; skipped: number; invalid: number };
  readonly targets: {
    dispatched: number;
    resolved: number;
    failed: number;
    deferred: number;
    failedByKind: Record<string, number>;
  };
  readonly messages: { sent: number; deliveries: number; deadLettered: number };
  readonly drift: { new: number; refreshed: number; superseded: number };
  /**
   * What the hosts served, per budget: GitHub's GraphQL points and its REST requests are separate budgets, each
   * with its own remainder (null: the host did not say); `requests` and `pointsUsed` are their sum and the points.
   */
  readonly github: GitHubUsage;
  /** Gitea/Forgejo hosts: requests (their budgets are their own, not GitHub's). */
  readonly gitea: { requests: number };
  readonly pendingUpdates: number;
  /** Updates applied by policy, rows still cooling down, tag-integrity events recorded. */
  readonly policies: { autoApplied: number; coolingDown: number; integrityEvents: number };
}

export interface GitHubUsage {
  /** GraphQL and REST requests to GitHub. */
  readonly requests: number;
  /** GraphQL points (the same as graphql.points). */
  readonly pointsUsed: number;
  readonly graphql: { requests: number; points: number; remaining: number | null };
  readonly rest: { requests: number; remaining: number | null };
}

/**
 * One full sweep on this machine through the Lambda code path: the dispatcher handler sends to an in-process
 * queue, which delivers SQSEvent batches to the worker handler (partial batch responses, redelivery, dead letters).
 */
export async function runLocalSweep(options: LocalSweepOptions): Promise<SweepSummary> {
  const started = Date.now();
  const ageMs = options.minReleaseAgeMs ?? 0;
  const store = options.store ?? createSweepStore(options.sql, { minReleaseAgeMs: ageMs });
  const queue = options.queue instanceof LocalQueue ? options.queue : new LocalQueue(options.queue);
  const collector = new MetricsCollector();
  const metrics = { sink: collector, flush: () => {} };
  const dispatcher = createDispatcherHandler({
    store,
    queue,
    metrics,
    log: options.log,
    config: { trigger: "cli", minIntervalMs: 0, ...options.dispatch },
  });
  const worker = localWorker(options, store, metrics, ageMs, queue);

  const dispatched = await dispatcher({});
  const dispatchMs = Date.now() - started;
  if (dispatched.status === "skipped") {
    return emptySummary(
      dispatched.reason,
      dispatched.otherSweepId ?? null,
      Date.now() - started,
      options.sql,
    );
  }
  const total = queue.depth;
  await queue.drain(worker, (done) => options.onProgress?.(done, total));

  const sweep = await sweepTotals(options.sql, dispatched.sweepId);
  if (!sweep) throw new Error(`sweep ${dispatched.sweepId} vanished`);
  return {
    status: sweep.status === "completed" ? "completed" : "incomplete",
    sweepId: dispatched.sweepId,
    durationMs: Date.now() - started,
    dispatchMs,
    rows: {
      scanned: sweep.rows_scanned,
      mapped: dispatched.rowsMapped,
      skipped: sweep.rows_skipped,
      invalid: sweep.rows_invalid,
    },
    targets: {
      dispatched: sweep.targets_dispatched,
      resolved: sweep.resolved,
      failed: sweep.failed,
      deferred: sweep.deferred,
      failedByKind: failuresByKind(collector, sweep.retrying),
    },
    messages: {
      sent: sweep.messages_sent,
      deliveries: queue.deliveries,
      deadLettered: queue.deadLetters.length,
    },
    drift: { new: sweep.new, refreshed: sweep.refreshed, superseded: sweep.superseded },
    // What the metrics say: each message counts the requests it made (ResolveUsage), never another's.
    github: githubUsage(collector),
    gitea: { requests: collector.byDimension(Metric.GitHubRequests, "Api").gitea ?? 0 },
    pendingUpdates: sweep.pending,
    policies: {
      autoApplied: collector.total(Metric.UpdatesAutoApplied),
      coolingDown: collector.total(Metric.UpdatesCoolingDown),
      integrityEvents: collector.total(Metric.IntegrityEvents),
    },
  };
}

/** The worker handler with this machine's review store and policy step (policy events go to the log). */
function localWorker(
  options: LocalSweepOptions,
  store: SweepStore,
  metrics: Parameters<typeof createWorkerHandler>[0]["metrics"],
  ageMs: number,
  redelivery: Parameters<typeof createWorkerHandler>[0]["redelivery"],
) {
  return createWorkerHandler({
    store,
    resolver: options.resolver,
    reviews: createReviewStore(options.sql),
    policies: createPolicyStep({
      policies: createPolicyStore(options.sql),
      decisions: createDecisionStore(options.sql),
      outbox: createEventOutbox(options.sql),
      defaultAgeMs: ageMs,
      notifier: createLogNotifier(options.log),
      log: options.log,
      ...(options.now ? { now: options.now } : {}),
      rollouts: localRolloutDeps(options.sql, options.log, options.now),
    }),
    metrics,
    log: options.log,
    redelivery,
    ...(options.worker ? { config: options.worker } : {}),
    // The clock a commit's first sighting is recorded by: the one cooling down is judged by.
    ...(options.now ? { now: options.now } : {}),
  });
}

/** GitHub's two budgets from the messages' metrics. */
function githubUsage(collector: MetricsCollector): GitHubUsage {
  const requests = collector.byDimension(Metric.GitHubRequests, "Api");
  const graphql = requests.graphql ?? 0;
  const rest = requests.rest ?? 0;
  const points = collector.total(Metric.GitHubPointsUsed);
  const left = (api: string) => collector.gauge(Metric.GitHubBudgetRemaining, { Api: api }) ?? null;
  return {
    requests: graphql + rest,
    pointsUsed: points,
    graphql: { requests: graphql, points, remaining: left("graphql") },
    rest: { requests: rest, remaining: left("rest") },
  };
}

const NO_GITHUB_USAGE: GitHubUsage = {
  requests: 0,
  pointsUsed: 0,
  graphql: { requests: 0, points: 0, remaining: null },
  rest: { requests: 0, remaining: null },
};

/** Failures per kind, once per target: the workers' final ones, plus targets left retrying (transient). */
function failuresByKind(collector: MetricsCollector, retrying: number): Record<string, number> {
  const byKind = collector.byDimension(Metric.TargetsFailed, "FailureKind");
  if (retrying > 0) byKind.transient = (byKind.transient ?? 0) + retrying;
  return byKind;
}

async function emptySummary(
  reason: string,
  sweepId: string | null,
  durationMs: number,
  sql: Sql,
): Promise<SweepSummary> {
  return {
    status: "skipped",
    sweepId,
    reason,
    durationMs,
    dispatchMs: durationMs,
    rows: { scanned: 0, mapped: 0, skipped: 0, invalid: 0 },
    targets: { dispatched: 0, resolved: 0, failed: 0, deferred: 0, failedByKind: {} },
    messages: { sent: 0, deliveries: 0, deadLettered: 0 },
    drift: { new: 0, refreshed: 0, superseded: 0 },
    github: NO_GITHUB_USAGE,
    gitea: { requests: 0 },
    pendingUpdates: await countPendingUpdates(sql),
    policies: { autoApplied: 0, coolingDown: 0, integrityEvents: 0 },
  };
}
