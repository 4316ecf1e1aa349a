import { githubWebBase, type Log } from "@drift/core";
import type { Sql } from "@drift/db";
import { deliverPending, type NotifySettings, notifySettingsFromEnv } from "@drift/notify";

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
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = deliverPending(sql, settings, { log }, { budgetMs: everyMs }).finally(() => {
      busy = false;
    });
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
