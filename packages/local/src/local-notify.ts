import { githubWebBase, type Log } from "@drift/core";
import type { Sql } from "@drift/db";
import { deliverPending, type NotifySettings, notifySettingsFromEnv } from "@drift/notify";
import { startPeriodic } from "./periodic";

/** Notification settings of a local run: the environment's, with repository links for GITHUB_API_URL. */
export function localNotifySettings(env: NodeJS.ProcessEnv): NotifySettings {
  return {
    ...notifySettingsFromEnv(env),
    bases: { github: githubWebBase(env.GITHUB_API_URL || "https://api.github.com") },
  };
}

/**
 * `drift serve` sends due notifications every few seconds (CONTRACT "notifications"); runs never overlap, and
 * `stop` waits for the one in progress.
 */
export function startNotificationLoop(
  sql: Sql,
  settings: NotifySettings,
  log: Log,
  everyMs = 3_000,
): { stop(): Promise<void> } {
  return startPeriodic(() => deliverPending(sql, settings, { log }, { budgetMs: everyMs }), everyMs);
}
