import type { DeliveryRecord, NotificationSubscription, SubscriptionInput } from "@drift/core/model";
import type { Sql } from "../client";

/** Subscriptions and their delivery log (CONTRACT "notifications"). The secret is written, never read back here. */

const COLUMNS = "id, url, format, events, digest, secret IS NOT NULL AS has_secret, created_at, updated_at";

/** Every subscription, oldest first (no secrets). */
export async function listSubscriptions(sql: Sql): Promise<NotificationSubscription[]> {
  return sql<NotificationSubscription[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM drift_notification_subscriptions ORDER BY created_at, id`;
}

/**
 * Creates a subscription, or replaces the one named by `id` (a secret left out is kept; `null` removes it).
 * `not_found` when `id` names none.
 */
export async function putSubscription(
  sql: Sql,
  input: SubscriptionInput,
): Promise<
  { kind: "saved"; created: boolean; subscription: NotificationSubscription } | { kind: "not_found" }
> {
  const keepSecret = input.secret === undefined;
  const secret = input.secret ?? null;
  if (input.id) {
    const [row] = await sql<NotificationSubscription[]>`
      UPDATE drift_notification_subscriptions SET url = ${input.url}, format = ${input.format},
        events = ${input.events as string[]}::text[], digest = ${input.digest},
        secret = CASE WHEN ${keepSecret}::bool THEN secret ELSE ${secret} END, updated_at = now()
      WHERE id = ${input.id}::uuid
      RETURNING ${sql.unsafe(COLUMNS)}`;
    return row ? { kind: "saved", created: false, subscription: row } : { kind: "not_found" };
  }
  const [row] = await sql<NotificationSubscription[]>`
    INSERT INTO drift_notification_subscriptions (url, format, events, digest, secret)
    VALUES (${input.url}, ${input.format}, ${input.events as string[]}::text[], ${input.digest}, ${secret})
    RETURNING ${sql.unsafe(COLUMNS)}`;
  if (!row) throw new Error("subscription insert returned no row");
  return { kind: "saved", created: true, subscription: row };
}

/** Deletes a subscription and its delivery log; false when there is none. */
export async function deleteSubscription(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`DELETE FROM drift_notification_subscriptions WHERE id = ${id}::uuid RETURNING 1`;
  return rows.length > 0;
}

/** One subscription (no secret), or undefined. */
export async function getSubscription(sql: Sql, id: string): Promise<NotificationSubscription | undefined> {
  const [row] = await sql<NotificationSubscription[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM drift_notification_subscriptions WHERE id = ${id}::uuid`;
  return row;
}

/** A subscription's most recent deliveries, newest first; undefined when the subscription does not exist. */
export async function listDeliveries(
  sql: Sql,
  subscriptionId: string,
  limit = 100,
): Promise<DeliveryRecord[] | undefined> {
  if (!(await getSubscription(sql, subscriptionId))) return undefined;
  return sql<DeliveryRecord[]>`
    SELECT id, subscription_id, kind, event_type, status, attempts, last_error, response_code, next_attempt_at,
           created_at, sent_at
    FROM drift_notification_deliveries WHERE subscription_id = ${subscriptionId}::uuid
    ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
}

/** Queues a test message for one subscription (sent by the next delivery run); its delivery id. */
export async function queueTestDelivery(sql: Sql, subscriptionId: string, now: Date): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO drift_notification_deliveries (subscription_id, kind, payload, status, next_attempt_at, created_at)
    VALUES (${subscriptionId}::uuid, 'test', ${sql.json({ kind: "test", time: now.toISOString() })}, 'pending',
            ${now}, ${now})
    RETURNING id`;
  if (!row) throw new Error("test delivery insert returned no row");
  return row.id;
}

/** One delivery as the log lists it. */
export async function getDelivery(sql: Sql, id: string): Promise<DeliveryRecord | undefined> {
  const [row] = await sql<DeliveryRecord[]>`
    SELECT id, subscription_id, kind, event_type, status, attempts, last_error, response_code, next_attempt_at,
           created_at, sent_at
    FROM drift_notification_deliveries WHERE id = ${id}::uuid`;
  return row;
}
