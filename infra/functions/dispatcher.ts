import { sendTo } from "../queue";
import { baseFunctionArgs, type FunctionContext, functionOptions } from "./common";

/**
 * The dispatcher: started by the hourly schedule, pages the due targets and fans them out to the queue.
 * It may only send to the sweep queue; it reads no secret.
 */
export function createDispatcher(ctx: FunctionContext, queue: sst.aws.Queue) {
  return new sst.aws.Function(
    "Dispatcher",
    {
      ...baseFunctionArgs(ctx, "dispatcher", { DRIFT_QUEUE_URL: queue.url }),
      description: "Plugin drift sweeper: pages due targets and sends them to the sweep queue",
      timeout: "5 minutes",
      memory: "1024 MB",
      // No async retries: the next hourly run is the retry, and a retry after a partial fan-out would only be
      // refused by the sweep's overlap guard. A dispatcher that keeps failing trips the no-sweep alarm.
      retries: 0,
      permissions: [sendTo(queue)],
    },
    functionOptions(ctx),
  );
}
