import { publishTo } from "../events";
import { sendTo } from "../queue";
import { baseFunctionArgs, type FunctionContext, functionOptions } from "./common";

/**
 * The dispatcher: started by the hourly schedule, pages the due targets and fans them out to the queue.
 * It may send to the sweep queue and publish to the event bus (outbox retries); it reads no secret.
 */
export function createDispatcher(ctx: FunctionContext, queue: sst.aws.Queue, bus: sst.aws.Bus) {
  return new sst.aws.Function(
    "Dispatcher",
    {
      ...baseFunctionArgs(ctx, "dispatcher", { DRIFT_QUEUE_URL: queue.url, DRIFT_EVENT_BUS_NAME: bus.name }),
      description: "Plugin drift sweeper: pages due targets and sends them to the sweep queue",
      timeout: "5 minutes",
      memory: "1024 MB",
      // No async retries: the next hourly run is the retry, and a retry after a partial fan-out would only be
      // refused by the sweep's overlap guard. A dispatcher that keeps failing trips the no-sweep alarm.
      retries: 0,
      // The bus: it republishes `plugin.update.applied` events whose publish failed after an apply (outbox).
      permissions: [sendTo(queue), publishTo(bus)],
    },
    functionOptions(ctx),
  );
}
