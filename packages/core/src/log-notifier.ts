import type { Notifier } from "./events/notifier";
import type { Log } from "./ports";

/**
 * A notifier that writes each event as a log line (what `drift serve` and `drift apply` use: locally the
 * platform is the operator's terminal).
 *
 * @example
 * const notifier = createLogNotifier(createCliLogger("info"));
 */
export function createLogNotifier(log: Log): Notifier {
  return {
    async publish(event) {
      log.info(`event ${event.type}`, { event_id: event.id, event_type: event.type, detail: event.detail });
    },
  };
}
