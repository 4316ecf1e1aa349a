/**
 * Notifications (CONTRACT "notifications"): which outbox events a subscription can ask for, and the records the
 * delivery flow passes between its ports.
 */

/** The event names a subscription lists (its `events`). */
export const NOTIFY_EVENTS = [
  "drift.detected",
  "integrity",
  "update.applied",
  "update.rolled_back",
  "rollout",
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export const NOTIFY_FORMATS = ["slack", "json"] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

/** Outbox event types written for subscriptions only (the platform's bus does not carry them). */
export const DRIFT_DETECTED = "plugin.drift.detected";
/** Prefix of the tag-integrity outbox events: `plugin.integrity.tag_repointed`, `…trust_downgrade`, … */
export const INTEGRITY_PREFIX = "plugin.integrity.";

/**
 * The subscription event an outbox event type belongs to, or null when no subscription can ask for it.
 *
 * @example
 * notifyEventOf("plugin.rollout.wave_started") // "rollout"
 */
export function notifyEventOf(eventType: string): NotifyEvent | null {
  if (eventType === DRIFT_DETECTED) return "drift.detected";
  if (eventType.startsWith(INTEGRITY_PREFIX)) return "integrity";
  if (eventType === "plugin.update.applied") return "update.applied";
  if (eventType === "plugin.update.rolled_back") return "update.rolled_back";
  if (eventType.startsWith("plugin.rollout.")) return "rollout";
  return null;
}

/** The outbox types of one subscription event (SQL matches `event_type = ANY(exact) OR LIKE ANY(prefixes)`). */
export function outboxTypesOf(events: readonly NotifyEvent[]): { exact: string[]; prefixes: string[] } {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const e of events) {
    if (e === "drift.detected") exact.push(DRIFT_DETECTED);
    if (e === "integrity") prefixes.push(INTEGRITY_PREFIX);
    if (e === "update.applied") exact.push("plugin.update.applied");
    if (e === "update.rolled_back") exact.push("plugin.update.rolled_back");
    if (e === "rollout") prefixes.push("plugin.rollout.");
  }
  return { exact, prefixes };
}

/** A subscription as stored (the secret never leaves the store except to sign). */
export interface NotificationSubscription {
  readonly id: string;
  readonly url: string;
  readonly format: NotifyFormat;
  readonly events: readonly NotifyEvent[];
  readonly digest: "daily" | null;
  readonly has_secret: boolean;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** One event as a notification carries it: the outbox event. */
export interface NotifyEventRecord {
  readonly id: string;
  readonly type: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly time: string;
}

/** What one delivery sends: an event, a digest of events, or a test message. */
export type DeliveryPayload =
  | { readonly kind: "event"; readonly event: NotifyEventRecord }
  | {
      readonly kind: "digest";
      readonly since: string;
      readonly until: string;
      readonly events: readonly NotifyEventRecord[];
      /** Events left out of the list (the summary counts them). */
      readonly omitted: number;
      readonly counts: Readonly<Record<string, number>>;
    }
  | { readonly kind: "test"; readonly time: string };

/** A delivery claimed for sending, with what its subscription needs to send it. */
export interface DueDelivery {
  readonly id: string;
  readonly subscription_id: string;
  readonly url: string;
  readonly format: NotifyFormat;
  readonly secret: string | null;
  readonly payload: DeliveryPayload;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly created_at: Date;
}

/** A delivery as the log lists it. */
export interface DeliveryRecord {
  readonly id: string;
  readonly subscription_id: string;
  readonly kind: DeliveryPayload["kind"];
  readonly event_type: string | null;
  readonly status: "pending" | "sent" | "failed" | "held" | "digested";
  readonly attempts: number;
  readonly last_error: string | null;
  readonly response_code: number | null;
  readonly next_attempt_at: Date | null;
  readonly created_at: Date;
  readonly sent_at: Date | null;
}
