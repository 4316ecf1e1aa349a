import { type Log, type Notifier, silentLog } from "@drift/core";
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

/** An unpublished outbox event. */
export interface OutboxEvent {
  readonly id: string;
  readonly event_type: string;
  readonly detail: Record<string, unknown>;
  readonly created_at: Date;
  readonly attempts: number;
}

export interface DrainResult {
  readonly published: number;
  readonly failed: number;
  /** Message of the first failure (publishing stops there, so order is kept; the next drain retries). */
  readonly error?: string;
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
 * Publishes every unpublished outbox event through the notifier: after an apply commits, hourly from the
 * dispatcher, and when `drift serve` starts, so an event left behind by a crash does not wait for the next apply.
 * Never throws: a failed publish stays in the outbox, is logged, and is retried by the next call.
 *
 * @example
 * await publishPendingEvents(sql, notifier, log);
 */
export async function publishPendingEvents(
  sql: Sql,
  notifier: Notifier,
  log: Log = silentLog,
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
      log.warn("event publish failed; kept in the outbox for the next attempt", { error: result.error });
    }
    return result;
  } catch (error) {
    log.warn("event outbox drain failed; the next attempt retries", { error: (error as Error).message });
    return { published: 0, failed: 0, error: (error as Error).message };
  }
}
