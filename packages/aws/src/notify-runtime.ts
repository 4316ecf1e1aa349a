import { githubWebBase, type Log, type MetricsSink } from "@drift/core";
import type { Sql } from "@drift/db/client";
import { deliverPending, type NotifySettings } from "@drift/notify";
import type { RuntimeConfig } from "./runtime-config";

/** Notification settings of a Lambda: never loopback (infra never sets DRIFT_NOTIFY_ALLOW_LOOPBACK). */
export function lambdaNotifySettings(config: RuntimeConfig): NotifySettings {
  return {
    allowLoopback: false,
    ...(config.adminUrl ? { adminUrl: config.adminUrl } : {}),
    bases: { github: githubWebBase(config.githubApiUrl) },
  };
}

/**
 * The delivery run a Lambda does after its work (the dispatcher after dispatching, the worker after a batch):
 * bounded by `budgetMs` and one request timeout per failing receiver; it never throws.
 */
export function lambdaNotifications(
  sql: Sql,
  config: RuntimeConfig,
  deps: { log: Log; metrics?: MetricsSink },
  budgetMs = 5_000,
): () => Promise<unknown> {
  const settings = lambdaNotifySettings(config);
  return () => deliverPending(sql, settings, deps, { budgetMs });
}
