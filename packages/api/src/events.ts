import { type DrainResult, drainEventOutbox, type Sql } from "@drift/db";
import { type AdminLogger, silentLogger } from "./logger";
import type { Notifier } from "./notifier";

/**
 * Publishes every unpublished outbox event through the notifier (after an apply commits; also worth calling on a
 * schedule, e.g. from the dispatcher, so an event left behind by a crash does not wait for the next apply).
 * Never throws: a failed publish stays in the outbox, is logged, and is retried by the next call.
 *
 * @example
 * await publishPendingEvents(sql, notifier, logger);
 */
export async function publishPendingEvents(
  sql: Sql,
  notifier: Notifier,
  logger: AdminLogger = silentLogger,
): Promise<DrainResult> {
  try {
    const result = await drainEventOutbox(sql, (event) =>
      notifier.publish({
        id: event.id,
        type: event.event_type,
        detail: event.detail,
        time: event.created_at,
      }),
    );
    if (result.failed > 0) {
      logger.warn("event publish failed; kept in the outbox for the next attempt", { error: result.error });
    }
    return result;
  } catch (error) {
    logger.warn("event outbox drain failed; the next attempt retries", { error: (error as Error).message });
    return { published: 0, failed: 0, error: (error as Error).message };
  }
}
