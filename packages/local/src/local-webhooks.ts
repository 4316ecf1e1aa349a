import { createWebhookApp } from "@drift/api/webhooks";
import { createWorkerHandler } from "@drift/aws";
import {
  createPolicyStep,
  type Log,
  type MessageQueue,
  type MetricsSink,
  minReleaseAgeSetting,
  parseWebhookSecret,
  type Resolver,
} from "@drift/core";
import {
  createDecisionStore,
  createEventOutbox,
  createPolicyStore,
  createRecheckStore,
  createReviewStore,
  createSweepStore,
  type Sql,
} from "@drift/db";
import type { Hono } from "hono";
import { InProcessQueue } from "./in-process-queue";
import { MetricsCollector } from "./metrics-collector";

export interface LocalWebhooksOptions {
  readonly sql: Sql;
  readonly resolver: Resolver;
  readonly log: Log;
  /**
   * GITHUB_WEBHOOK_SECRET, GITEA_WEBHOOK_SECRET; DRIFT_RECHECK_WINDOW_MS (coalescing window, default 5000);
   * DRIFT_MIN_RELEASE_AGE.
   */
  readonly env: NodeJS.ProcessEnv;
  readonly metrics?: MetricsSink;
}

/** GITHUB_WEBHOOK_SECRET and GITEA_WEBHOOK_SECRET, read with the shared settings parser (@drift/core). */
export function webhookSecretsOf(env: NodeJS.ProcessEnv): { github?: string; gitea?: string } {
  const github = parseWebhookSecret(env.GITHUB_WEBHOOK_SECRET, "GITHUB_WEBHOOK_SECRET");
  const gitea = parseWebhookSecret(env.GITEA_WEBHOOK_SECRET, "GITEA_WEBHOOK_SECRET");
  return { ...(github ? { github } : {}), ...(gitea ? { gitea } : {}) };
}

/**
 * The webhook receiver as `drift serve` runs it: the same app as the webhook Lambda, whose re-checks go through
 * an in-process queue to the very worker handler a sweep uses. `idle()` waits for queued re-checks.
 */
export function createLocalWebhooks(options: LocalWebhooksOptions): {
  app: Hono;
  /** The in-process re-check queue (the admin API's "re-check now" uses it too). */
  queue: MessageQueue;
  idle(): Promise<void>;
} {
  const metrics = options.metrics ?? new MetricsCollector();
  const ageMs = minReleaseAgeSetting(options.env.DRIFT_MIN_RELEASE_AGE);
  const recheckStore = createRecheckStore(options.sql);
  const worker = createWorkerHandler({
    store: createSweepStore(options.sql, { minReleaseAgeMs: ageMs }),
    resolver: options.resolver,
    // Drift a re-check finds gets its review packet, cooling down, trust checks and policies like drift a sweep
    // finds (as the AWS worker does for re-check messages).
    reviews: createReviewStore(options.sql),
    policies: createPolicyStep({
      policies: createPolicyStore(options.sql),
      decisions: createDecisionStore(options.sql),
      outbox: createEventOutbox(options.sql),
      defaultAgeMs: ageMs,
      log: options.log,
    }),
    metrics: { sink: metrics, flush() {} },
    log: options.log,
    // What a re-check did not resolve in time comes back on this queue after a short backoff (a timer here).
    deferrals: { store: recheckStore, queue: { send: (messages, o) => queue.send(messages, o) } },
  });
  const queue = new InProcessQueue(worker, {}, (error) =>
    options.log.error("in-process re-check failed", { error: (error as Error).message }),
  );
  const window = Number(options.env.DRIFT_RECHECK_WINDOW_MS);
  const app = createWebhookApp({
    store: recheckStore,
    queue,
    secrets: webhookSecretsOf(options.env),
    metrics,
    log: options.log,
    ...(Number.isFinite(window) && window >= 0 && options.env.DRIFT_RECHECK_WINDOW_MS
      ? { recheck: { windowMs: window } }
      : {}),
  });
  return { app, queue, idle: () => queue.idle() };
}
