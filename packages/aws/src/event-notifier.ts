import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE, type Notifier, type PlatformEvent } from "@drift/core";

export interface EventBridgeNotifierOptions {
  readonly client: EventBridgeClient;
  /** Bus name or ARN (`default` for the account's default bus). */
  readonly eventBusName: string;
  /** The event's `source` (must not start with `aws.`). */
  readonly source?: string;
}

/** Thrown when EventBridge did not accept an event (the outbox keeps it; the next drain retries). */
export class EventPublishError extends Error {
  override readonly name = "EventPublishError";
}

/**
 * Publishes admin events with EventBridge PutEvents: `detail-type` is the event type
 * (`plugin.update.applied`), `detail` its JSON detail. A call that "succeeds" with FailedEntryCount > 0 is a
 * failure too (PutEvents reports per-entry errors in a 200 answer).
 *
 * @example
 * const notifier = createEventBridgeNotifier({ client: new EventBridgeClient({}), eventBusName: "default" });
 */
export function createEventBridgeNotifier(options: EventBridgeNotifierOptions): Notifier {
  const source = options.source ?? EVENT_SOURCE;
  return {
    async publish(event: PlatformEvent) {
      const out = await options.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: options.eventBusName,
              Source: source,
              DetailType: event.type,
              Detail: JSON.stringify(event.detail),
              Time: event.time,
            },
          ],
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const entry = out.Entries?.find((e) => e.ErrorCode) ?? out.Entries?.[0];
        throw new EventPublishError(
          `EventBridge rejected event ${event.id}: ${entry?.ErrorCode ?? "unknown"} ${entry?.ErrorMessage ?? ""}`.trim(),
        );
      }
    },
  };
}
