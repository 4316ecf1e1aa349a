import type { MessageQueue, SendOptions, SweepMessage } from "@drift/core";
import { LocalQueue, type LocalQueueOptions, type SqsHandler } from "./local-queue";

/**
 * A queue that delivers to the worker handler in the background as soon as something is sent (honouring
 * delays): what `drift serve` gives the webhook receiver, so a re-check runs in-process through the same worker
 * handler as a sweep. `idle()` resolves when everything sent so far has been handled (tests, the demo).
 */
export class InProcessQueue implements MessageQueue {
  readonly queue: LocalQueue;
  private running: Promise<void> | undefined;

  constructor(
    private readonly worker: SqsHandler,
    options: LocalQueueOptions = {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.queue = new LocalQueue(options);
  }

  async send(messages: readonly SweepMessage[], options?: SendOptions): Promise<void> {
    await this.queue.send(messages, options);
    this.kick();
  }

  /** Resolves once the queue is empty and no delivery is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.running) return;
    this.running = (async () => {
      try {
        // Messages sent while a drain runs are picked up by it, or by the next loop turn.
        while (this.queue.depth > 0) await this.queue.drain(this.worker);
      } catch (error) {
        this.onError(error);
      } finally {
        this.running = undefined;
      }
    })();
  }
}
