import { Metric } from "../metrics";
import { type Log, type MetricsSink, silentLog } from "../ports";
import type { DueDelivery } from "./notify-events";
import { deliveryRequest, type FormatContext } from "./notify-format";
import type { NotificationStore, NotificationTransport } from "./notify-port";
import { nextAttemptAt } from "./notify-retry";

/**
 * Delivering notifications (CONTRACT "notifications"): outbox events become deliveries (one per subscription that
 * asked for them; held for a daily digest), due daily digests become one delivery each, and due deliveries are
 * sent, at least once, with backoff for 24 hours. A slow or failing receiver costs one request timeout per run:
 * its other deliveries wait with the failed one, and the other subscriptions are sent meanwhile (a few requests
 * in flight at once).
 */

export interface DeliverDeps extends FormatContext {
  readonly store: NotificationStore;
  readonly transport: NotificationTransport;
  readonly clock?: () => Date;
  readonly metrics?: MetricsSink;
  readonly log?: Log;
}

export interface DeliverOptions {
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** Deliveries claimed per round (default 50). */
  readonly limit?: number;
  /**
   * Start no send after this long (default 20 s); a run then ends within one request timeout. What is left is due
   * for the next run.
   */
  readonly budgetMs?: number;
  /** Only this subscription's deliveries (the test route). */
  readonly subscriptionId?: string;
}

export interface DeliverResult {
  readonly sent: number;
  readonly failed: number;
  readonly gaveUp: number;
}

const LEASE_MS = 2 * 60_000;

/**
 * One delivery run: fan out, open due digests, send what is due until nothing is (or the budget is spent). Never
 * throws for a receiver's failure; a database error propagates (the caller logs it; the next run retries).
 *
 * @example
 * await deliverNotifications({ store, transport, metrics, adminUrl }, { budgetMs: 10_000 });
 */
export async function deliverNotifications(
  deps: DeliverDeps,
  options: DeliverOptions = {},
): Promise<DeliverResult> {
  const clock = deps.clock ?? (() => new Date());
  const started = Date.now();
  const totals = { sent: 0, failed: 0, gaveUp: 0 };
  if (!(await deps.store.active())) return totals;
  await deps.store.fanOut(clock());
  await deps.store.openDigests(clock());
  const limit = options.limit ?? 50;
  const budgetMs = options.budgetMs ?? 20_000;
  for (;;) {
    const due = await deps.store.claimDue(clock(), {
      limit,
      perSubscription: 10,
      leaseMs: LEASE_MS,
      ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : {}),
    });
    if (due.length === 0) break;
    const bySubscription = new Map<string, DueDelivery[]>();
    for (const d of due)
      bySubscription.set(d.subscription_id, [...(bySubscription.get(d.subscription_id) ?? []), d]);
    const queues = [...bySubscription.values()];
    const spent = () => Date.now() - started > budgetMs;
    const workers = Array.from({ length: Math.min(options.concurrency ?? 4, queues.length) }, async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        // Out of time: hand the rest back at once (due now) for the next run, rather than at the lease's end.
        if (spent())
          await deps.store.release(
            queue.map((d) => d.id),
            clock(),
          );
        else await sendInOrder(deps, clock, queue, totals);
      }
    });
    await Promise.all(workers);
    if (due.length < limit || spent()) break;
  }
  deps.metrics?.add(
    Metric.NotificationsFailing,
    "Count",
    await deps.store.failingSubscriptions(clock(), 3_600_000),
  );
  return totals;
}

/** One subscription's claimed deliveries, in order; after a failure the rest wait with it. */
async function sendInOrder(
  deps: DeliverDeps,
  clock: () => Date,
  queue: readonly DueDelivery[],
  totals: { sent: number; failed: number; gaveUp: number },
): Promise<void> {
  const log = deps.log ?? silentLog;
  for (const [i, delivery] of queue.entries()) {
    const outcome = await attempt(deps, delivery);
    const now = clock();
    if (outcome.ok) {
      await deps.store.recordSent(delivery.id, now, outcome.status);
      deps.metrics?.add(Metric.NotificationsSent, "Count", 1);
      totals.sent++;
      continue;
    }
    const next = nextAttemptAt(delivery.attempts + 1, delivery.created_at, now);
    await deps.store.recordFailure(delivery.id, now, {
      error: outcome.error,
      responseCode: outcome.status,
      nextAttemptAt: next,
    });
    deps.metrics?.add(Metric.NotificationsFailed, "Count", 1);
    totals.failed++;
    if (!next) totals.gaveUp++;
    log.warn("notification delivery failed", {
      delivery_id: delivery.id,
      subscription_id: delivery.subscription_id,
      attempts: delivery.attempts + 1,
      error: outcome.error,
      ...(next ? { next_attempt_at: next.toISOString() } : { gave_up: true }),
    });
    const rest = queue.slice(i + 1).map((d) => d.id);
    if (rest.length) await deps.store.release(rest, next ?? now);
    return;
  }
}

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

async function attempt(deps: DeliverDeps, delivery: DueDelivery): Promise<Outcome> {
  const request = deliveryRequest(delivery, deps);
  try {
    const { status } = await deps.transport.send({ url: delivery.url, ...request });
    if (status >= 200 && status < 300) return { ok: true, status };
    const error =
      status >= 300 && status < 400 ? `redirect ${status} not followed` : `receiver answered ${status}`;
    return { ok: false, status, error };
  } catch (error) {
    return { ok: false, status: null, error: String((error as Error)?.message ?? error).slice(0, 300) };
  }
}
