/** An event for the platform, read from the outbox (`type` is e.g. `plugin.update.applied`). */
export interface PlatformEvent {
  /** Outbox row id: stable across retries of the same event. */
  readonly id: string;
  readonly type: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly time: Date;
}

/**
 * Port: publishes events to the platform. Throws when the event was not accepted (the outbox keeps it and a
 * later drain retries). EventBridge in AWS (`@drift/aws` createEventBridgeNotifier); a log line locally
 * (`createLogNotifier`). Only use cases call it (publish-events.ts), after the change they announce committed.
 */
export interface Notifier {
  publish(event: PlatformEvent): Promise<void>;
}
