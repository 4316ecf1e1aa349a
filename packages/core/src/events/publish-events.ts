import type { Log } from "../ports";
import { silentLog } from "../ports";
import type { Notifier } from "./notifier";
import type { DrainResult, EventOutbox } from "./outbox-port";

/**
 * Publishes every unpublished outbox event through the notifier: after an apply commits, hourly from the
 * dispatcher, and when `drift serve` starts, so an event left behind by a crash does not wait for the next apply.
 * Never throws: a failed publish stays in the outbox, is logged, and is retried by the next call.
 *
 * @example
 * await publishPendingEvents(createEventOutbox(sql), notifier, log);
 */
export async function publishPendingEvents(
  outbox: EventOutbox,
  notifier: Notifier,
  log: Log = silentLog,
): Promise<DrainResult> {
  try {
    const result = await outbox.drain((event) =>
      notifier.publish({
        id: event.id,
        type: event.event_type,
        detail: event.detail,
        time: event.created_at,
      }),
    );
    if (result.failed > 0) {
      log.warn("event publish failed; kept in the outbox for the next attempt", { error: result.error });
    }
    return result;
  } catch (error) {
    log.warn("event outbox drain failed; the next attempt retries", { error: (error as Error).message });
    return { published: 0, failed: 0, error: (error as Error).message };
  }
}

/**
 * Drains until the outbox is empty (bounded by `expected` events, 25 a drain) or a publish fails: after a bulk
 * decision applied many rows. The events that fail stay in the outbox for the next call.
 */
export async function publishAllPendingEvents(
  outbox: EventOutbox,
  notifier: Notifier,
  log: Log,
  expected: number,
): Promise<void> {
  for (let round = 0; expected > 0 && round <= Math.ceil(expected / 25) + 1; round++) {
    const drained = await publishPendingEvents(outbox, notifier, log);
    if (drained.failed > 0 || drained.published === 0) break;
  }
}
