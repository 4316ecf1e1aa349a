import type { DrainResult, EventOutbox, OutboxEvent } from "@drift/core/model";
import type postgres from "postgres";
import type { Sql } from "../client";

/**
 * The transactional outbox (`drift_event_outbox`): an event is written in the transaction whose change it
 * announces, and published after commit by {@link drainEventOutbox}, so a failed publish is retried later and
 * never lost.
 */

/**
 * Writes an event to the outbox inside the caller's transaction (it becomes visible, and publishable, only if
 * that transaction commits).
 */
export async function writeOutboxEvent(
  tx: postgres.TransactionSql,
  eventType: string,
  detail: object,
): Promise<void> {
  await tx`INSERT INTO drift_event_outbox (event_type, detail)
           VALUES (${eventType}, ${tx.json(detail as unknown as postgres.JSONValue)})`;
}

/**
 * Publishes unpublished outbox events, oldest first, and marks them sent. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED` for the duration, so concurrent drains never publish one event twice; a crash after
 * publish and before the mark can (at-least-once: consumers dedupe on the event's queue_id).
 */
export async function drainEventOutbox(
  sql: Sql,
  publish: (event: OutboxEvent) => Promise<void>,
  options: { limit?: number } = {},
): Promise<DrainResult> {
  return sql.begin(async (tx) => {
    const events = await tx<OutboxEvent[]>`
      SELECT id, event_type, detail, created_at, attempts FROM drift_event_outbox
      WHERE published_at IS NULL ORDER BY created_at, id
      LIMIT ${options.limit ?? 25} FOR UPDATE SKIP LOCKED`;
    let published = 0;
    for (const event of events) {
      try {
        await publish(event);
      } catch (error) {
        const message = String((error as Error)?.message ?? error).slice(0, 500);
        await tx`UPDATE drift_event_outbox SET attempts = attempts + 1, last_error = ${message} WHERE id = ${event.id}`;
        return { published, failed: 1, error: message };
      }
      await tx`UPDATE drift_event_outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL
               WHERE id = ${event.id}`;
      published++;
    }
    return { published, failed: 0 };
  }) as Promise<DrainResult>;
}

/**
 * The outbox as the port `EventOutbox` (publishing through a notifier is @drift/core publishPendingEvents).
 *
 * @example
 * await publishPendingEvents(createEventOutbox(sql), notifier, log);
 */
export function createEventOutbox(sql: Sql): EventOutbox {
  return { drain: (publish, options) => drainEventOutbox(sql, publish, options) };
}
