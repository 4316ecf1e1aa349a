import type { DueDelivery } from "./notify-events";

/** Port: the deliveries' SQL (@drift/db createNotificationStore). Times are the caller's clock. */
export interface NotificationStore {
  /** False when there is no subscription: a run then costs this one query. */
  active(): Promise<boolean>;
  /** Outbox events not yet handed to subscriptions → deliveries. Returns how many deliveries were made. */
  fanOut(now: Date): Promise<number>;
  /** Subscriptions whose daily digest is due and has events → one digest delivery each. */
  openDigests(now: Date): Promise<number>;
  /**
   * Claims due deliveries (oldest first, at most `perSubscription` of one subscription), leasing them until
   * `now + leaseMs` so a concurrent run skips them. `subscriptionId` limits the claim to one subscription.
   */
  claimDue(
    now: Date,
    options: { limit: number; perSubscription: number; leaseMs: number; subscriptionId?: string },
  ): Promise<DueDelivery[]>;
  recordSent(id: string, now: Date, responseCode: number): Promise<void>;
  /** A failed attempt: retried at `nextAttemptAt`, or given up (`failed`) when null. */
  recordFailure(
    id: string,
    now: Date,
    failure: { error: string; responseCode: number | null; nextAttemptAt: Date | null },
  ): Promise<void>;
  /** Hands claimed deliveries back unattempted, due at `at` (they wait behind a failed one of theirs). */
  release(ids: readonly string[], at: Date): Promise<void>;
  /** Subscriptions whose oldest undelivered delivery has been failing for at least `forMs`. */
  failingSubscriptions(now: Date, forMs: number): Promise<number>;
}

/** The receiver's answer; anything but 2xx is a failure. Throws on refusal, network error or timeout. */
export interface NotificationTransport {
  send(request: { url: string; body: string; headers: Record<string, string> }): Promise<{ status: number }>;
}
