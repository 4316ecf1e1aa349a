import { createWebhookApp } from "@drift/api/webhooks";
import { createWorkerHandler } from "@drift/aws";
import {
  type Log,
  type MessageQueue,
  type MetricsSink,
  parseWebhookSecret,
  type Resolver,
} from "@drift/core";
import { createRecheckStore, createReviewStore, createSweepStore, type Sql } from "@drift/db";
import type { Hono } from "hono";
import { InProcessQueue } from "./in-process-queue";
import { MetricsCollector } from "./metrics-collector";

export interface LocalWebhooksOptions {
  readonly sql: Sql;
  readonly resolver: Resolver;
  readonly log: Log;
  /** GITHUB_WEBHOOK_SECRET, GITEA_WEBHOOK_SECRET; DRIFT_RECHECK_WINDOW_MS (coalescing window, default 5000). */
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
  const worker = createWorkerHandler({
    store: createSweepStore(options.sql),
    resolver: options.resolver,
    // Drift a re-check finds gets its review packet like drift a sweep finds.
    reviews: createReviewStore(options.sql),
    metrics: { sink: metrics, flush() {} },
    log: options.log,
  });
  const queue = new InProcessQueue(worker, {}, (error) =>
    options.log.error("in-process re-check failed", { error: (error as Error).message }),
  );
  const window = Number(options.env.DRIFT_RECHECK_WINDOW_MS);
  const app = createWebhookApp({
    store: createRecheckStore(options.sql),
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
