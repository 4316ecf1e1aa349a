import type { AdminLogger } from "./logger";

/** An event for the platform, read from the outbox (`type` is e.g. `plugin.update.applied`). */
export interface AdminEvent {
  /** Outbox row id: stable across retries of the same event. */
  readonly id: string;
  readonly type: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly time: Date;
}

/**
 * Publishes events to the platform. Throws when the event was not accepted (the outbox keeps it and a later
 * drain retries). EventBridge in AWS (`@drift/aws` createEventBridgeNotifier); a log line locally.
 */
export interface Notifier {
  publish(event: AdminEvent): Promise<void>;
}

/**
 * A notifier that writes each event as a log line (what `drift serve` and `drift apply` use by default).
 *
 * @example
 * const notifier = createLogNotifier(createJsonLineLogger((l) => process.stderr.write(l)));
 */
export function createLogNotifier(logger: AdminLogger): Notifier {
  return {
    async publish(event) {
      logger.info(`event ${event.type}`, {
        event_id: event.id,
        event_type: event.type,
        detail: event.detail,
      });
    },
  };
}
