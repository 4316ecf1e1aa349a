import {
  type DeliveryPayload,
  type DueDelivery,
  type NotificationStore,
  notifyEventOf,
} from "@drift/core/model";
import type postgres from "postgres";
import type { Sql } from "../client";

/**
 * The deliveries' SQL (the NotificationStore port of @drift/core notify-deliver.ts). Every time is the caller's
 * clock, so tests drive retries and digests with a fake one. No transaction is open while a receiver is called:
 * a claim leases its deliveries (next_attempt_at moved ahead) and commits.
 */
export function createNotificationStore(sql: Sql): NotificationStore {
  return {
    async active() {
      const [row] = await sql<{ any: boolean }[]>`
        SELECT EXISTS (SELECT 1 FROM drift_notification_subscriptions) AS any`;
      return row?.any ?? false;
    },
    fanOut: (now) => fanOut(sql, now),
    openDigests: (now) => openDigests(sql, now),
    claimDue: (now, options) => claimDue(sql, now, options),
    async recordSent(id, now, responseCode) {
      await sql`UPDATE drift_notification_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ${now},
                  response_code = ${responseCode}, last_error = NULL, next_attempt_at = NULL
                WHERE id = ${id}::uuid`;
    },
    async recordFailure(id, _now, failure) {
      await sql`UPDATE drift_notification_deliveries SET attempts = attempts + 1, last_error = ${failure.error},
                  response_code = ${failure.responseCode},
                  status = CASE WHEN ${failure.nextAttemptAt}::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                  next_attempt_at = ${failure.nextAttemptAt}
                WHERE id = ${id}::uuid`;
    },
    async release(ids, at) {
      await sql`UPDATE drift_notification_deliveries SET next_attempt_at = ${at}
                WHERE id = ANY(${ids as string[]}::uuid[]) AND status = 'pending'`;
    },
    async failingSubscriptions(now, forMs) {
      const [row] = await sql<{ n: number }[]>`
        SELECT count(DISTINCT subscription_id)::int AS n FROM drift_notification_deliveries
        WHERE status = 'pending' AND attempts > 0 AND created_at <= ${new Date(now.getTime() - forMs)}`;
      return row?.n ?? 0;
    },
  };
}

interface OutboxRow {
  id: string;
  event_type: string;
  detail: Record<string, unknown>;
  created_at: Date;
}

/** Outbox events not yet handed to subscriptions → one delivery per subscription that asked (held for digests). */
async function fanOut(sql: Sql, now: Date): Promise<number> {
  let made = 0;
  for (let round = 0; round < 20; round++) {
    const { rows, events } = (await sql.begin(async (tx) => {
      const events = await tx<OutboxRow[]>`
        SELECT id, event_type, detail, created_at FROM drift_event_outbox WHERE notified_at IS NULL
        ORDER BY created_at, id LIMIT 500 FOR UPDATE SKIP LOCKED`;
      if (events.length === 0) return { rows: 0, events: 0 };
      const subs = await tx<{ id: string; events: string[]; digest: string | null; created_at: Date }[]>`
        SELECT id, events, digest, created_at FROM drift_notification_subscriptions`;
      const deliveries = events.flatMap((e) => {
        const wanted = notifyEventOf(e.event_type);
        if (!wanted) return [];
        const payload = {
          kind: "event",
          event: { id: e.id, type: e.event_type, detail: e.detail, time: e.created_at.toISOString() },
        };
        return subs
          .filter((s) => s.events.includes(wanted) && s.created_at <= e.created_at)
          .map((s) => ({
            subscription_id: s.id,
            event_id: e.id,
            event_type: e.event_type,
            payload,
            status: s.digest ? "held" : "pending",
          }));
      });
      if (deliveries.length) {
        await tx`
          INSERT INTO drift_notification_deliveries
            (subscription_id, event_id, event_type, kind, payload, status, next_attempt_at, created_at)
          SELECT subscription_id, event_id, event_type, 'event', payload, status,
                 CASE WHEN status = 'pending' THEN ${now}::timestamptz END, ${now}
          FROM jsonb_to_recordset(${tx.json(deliveries as unknown as postgres.JSONValue)}::jsonb)
            AS x(subscription_id uuid, event_id uuid, event_type text, payload jsonb, status text)
          ON CONFLICT (subscription_id, event_id) DO NOTHING`;
      }
      await tx`UPDATE drift_event_outbox SET notified_at = ${now} WHERE id = ANY(${events.map((e) => e.id)}::uuid[])`;
      return { rows: deliveries.length, events: events.length };
    })) as { rows: number; events: number };
    made += rows;
    if (events < 500) break;
  }
  return made;
}

const DAY_MS = 24 * 60 * 60_000;
const DIGEST_LISTED = 200;

/** Each daily-digest subscription whose day is over and that holds events → one digest delivery. */
async function openDigests(sql: Sql, now: Date): Promise<number> {
  const due = await sql<{ id: string }[]>`
    SELECT s.id FROM drift_notification_subscriptions s
    WHERE s.digest = 'daily' AND coalesce(s.last_digest_at, s.created_at) <= ${new Date(now.getTime() - DAY_MS)}
      AND EXISTS (SELECT 1 FROM drift_notification_deliveries d WHERE d.subscription_id = s.id AND d.status = 'held')`;
  let opened = 0;
  for (const { id } of due) {
    const made = await sql.begin(async (tx) => {
      // The subscription row is the digest's lock: two runs never open the same day's digest twice.
      const [sub] = await tx<{ since: Date }[]>`
        SELECT coalesce(last_digest_at, created_at) AS since FROM drift_notification_subscriptions
        WHERE id = ${id}::uuid AND coalesce(last_digest_at, created_at) <= ${new Date(now.getTime() - DAY_MS)}
        FOR UPDATE`;
      if (!sub) return false;
      const listed = await tx<{ payload: { event: DeliveryPayload & object } }[]>`
        SELECT payload FROM drift_notification_deliveries WHERE subscription_id = ${id}::uuid AND status = 'held'
        ORDER BY created_at, id LIMIT ${DIGEST_LISTED}`;
      const byType = await tx<{ event_type: string; n: number }[]>`
        SELECT event_type, count(*)::int AS n FROM drift_notification_deliveries
        WHERE subscription_id = ${id}::uuid AND status = 'held' GROUP BY event_type`;
      const counts: Record<string, number> = {};
      for (const t of byType) {
        const key = notifyEventOf(t.event_type) ?? t.event_type;
        counts[key] = (counts[key] ?? 0) + t.n;
      }
      const total = byType.reduce((a, t) => a + t.n, 0);
      const payload = {
        kind: "digest",
        since: sub.since.toISOString(),
        until: now.toISOString(),
        events: listed.map((l) => l.payload.event),
        omitted: total - listed.length,
        counts,
      };
      await tx`
        INSERT INTO drift_notification_deliveries (subscription_id, kind, payload, status, next_attempt_at, created_at)
        VALUES (${id}::uuid, 'digest', ${tx.json(payload as unknown as postgres.JSONValue)}, 'pending', ${now}, ${now})`;
      await tx`UPDATE drift_notification_deliveries SET status = 'digested'
               WHERE subscription_id = ${id}::uuid AND status = 'held'`;
      await tx`UPDATE drift_notification_subscriptions SET last_digest_at = ${now} WHERE id = ${id}::uuid`;
      return true;
    });
    if (made) opened++;
  }
  return opened;
}

/**
 * Due deliveries, oldest first, at most `perSubscription` of one subscription and none of a subscription that is
 * backing off (a failed delivery of it waits for its next attempt), leased until now + leaseMs.
 */
async function claimDue(
  sql: Sql,
  now: Date,
  options: { limit: number; perSubscription: number; leaseMs: number; subscriptionId?: string },
): Promise<DueDelivery[]> {
  const only = options.subscriptionId ?? null;
  return sql<DueDelivery[]>`
    WITH ranked AS (
      SELECT d.id, row_number() OVER (PARTITION BY d.subscription_id ORDER BY d.created_at, d.id) AS n
      FROM drift_notification_deliveries d
      WHERE d.status = 'pending' AND d.next_attempt_at <= ${now}
        AND (${only}::uuid IS NULL OR d.subscription_id = ${only}::uuid)
        -- A subscription backing off is skipped, except by its own test (the operator asks for an attempt now).
        AND (${only}::uuid IS NOT NULL OR NOT EXISTS (
          SELECT 1 FROM drift_notification_deliveries b
          WHERE b.subscription_id = d.subscription_id AND b.status = 'pending' AND b.attempts > 0
            AND b.next_attempt_at > ${now}))
    ),
    picked AS (
      SELECT d.id FROM drift_notification_deliveries d JOIN ranked r ON r.id = d.id
      WHERE r.n <= ${options.perSubscription}
      ORDER BY d.created_at, d.id LIMIT ${options.limit}
      FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE drift_notification_deliveries d SET next_attempt_at = ${new Date(now.getTime() + options.leaseMs)}
    FROM picked p, drift_notification_subscriptions s
    WHERE d.id = p.id AND s.id = d.subscription_id
    RETURNING d.id, d.subscription_id, s.url, s.format, s.secret, d.payload, d.attempts, d.created_at`;
}
