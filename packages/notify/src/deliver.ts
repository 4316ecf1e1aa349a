import {
  type DeliverOptions,
  type DeliverResult,
  deliverNotifications,
  type Log,
  type MetricsSink,
  type NotificationTransport,
  silentLog,
  type WebBases,
} from "@drift/core";
import { createNotificationStore, type Sql } from "@drift/db";
import { createHttpTransport } from "./transport";
import type { LookupAll } from "./url-guard";

/** How this process sends notifications (from its environment; tests pass their own). */
export interface NotifySettings {
  /** DRIFT_NOTIFY_ALLOW_LOOPBACK=1 (local runs and tests only; infra never sets it). */
  readonly allowLoopback: boolean;
  /** The admin page's address, linked from messages (DRIFT_ADMIN_URL); none when unset. */
  readonly adminUrl?: string | undefined;
  readonly bases?: WebBases | undefined;
  readonly lookup?: LookupAll;
}

/** The settings of the environment: `DRIFT_NOTIFY_ALLOW_LOOPBACK`, `DRIFT_ADMIN_URL`. */
export function notifySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifySettings {
  return {
    allowLoopback: env.DRIFT_NOTIFY_ALLOW_LOOPBACK === "1",
    ...(env.DRIFT_ADMIN_URL ? { adminUrl: env.DRIFT_ADMIN_URL } : {}),
  };
}

/**
 * One delivery run over the database (fan-out, digests, due sends). Never throws: a failure is logged and the next
 * run retries (the deliveries stay in the database).
 *
 * @example
 * await deliverPending(sql, notifySettingsFromEnv(), { log, metrics });
 */
export async function deliverPending(
  sql: Sql,
  settings: NotifySettings,
  deps: {
    readonly log?: Log;
    readonly metrics?: MetricsSink;
    readonly clock?: () => Date;
    readonly transport?: NotificationTransport;
  } = {},
  options: DeliverOptions = {},
): Promise<DeliverResult> {
  const log = deps.log ?? silentLog;
  try {
    return await deliverNotifications(
      {
        store: createNotificationStore(sql),
        transport:
          deps.transport ??
          createHttpTransport({
            allowLoopback: settings.allowLoopback,
            ...(settings.lookup ? { lookup: settings.lookup } : {}),
          }),
        log,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        ...(deps.clock ? { clock: deps.clock } : {}),
        adminUrl: settings.adminUrl,
        bases: settings.bases,
      },
      options,
    );
  } catch (error) {
    log.warn("notification delivery run failed; the next run retries", { error: (error as Error).message });
    return { sent: 0, failed: 0, gaveUp: 0 };
  }
}
