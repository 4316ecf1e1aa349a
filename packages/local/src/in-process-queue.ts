import type { MessageQueue, SendOptions, SweepMessage } from "@drift/core";
import { LocalQueue, type LocalQueueOptions, type SqsHandler } from "./local-queue";

/**
 * A queue that delivers to the worker handler in the background as soon as something is sent: what `drift serve`
 * gives the webhook receiver, so a re-check runs in-process through the same worker handler as a sweep. A delayed
 * send (SQS DelaySeconds: a coalescing window, a deferral's backoff of up to 15 minutes) waits on a timer of its
 * own, so it never holds back what is sent after it. `idle()` resolves when everything sent so far, delayed
 * sends included, has been handled (tests, the demo).
 */
export class InProcessQueue implements MessageQueue {
  readonly queue: LocalQueue;
  private running: Promise<void> | undefined;
  /** Delayed sends whose timer has not fired yet, each with the promise of its firing. */
  private readonly waiting = new Set<Promise<void>>();

  constructor(
    private readonly worker: SqsHandler,
    options: LocalQueueOptions = {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.queue = new LocalQueue(options);
  }

  async send(messages: readonly SweepMessage[], options?: SendOptions): Promise<void> {
    const delayMs = Math.max(0, (options?.delaySeconds ?? 0) * 1000);
    if (delayMs === 0) {
      await this.queue.send(messages);
      this.kick();
      return;
    }
    const fired = new Promise<void>((resolve) => {
      // unref: a pending deferral never keeps a finished process alive (`drift serve` stays up on its server).
      setTimeout(resolve, delayMs).unref();
    }).then(async () => {
      await this.queue.send(messages);
      this.kick();
    });
    this.waiting.add(fired);
    void fired.finally(() => this.waiting.delete(fired));
  }

  /** Resolves once no delayed send is waiting, the queue is empty and no delivery is running. */
  async idle(): Promise<void> {
    for (;;) {
      if (this.running) await this.running;
      else if (this.waiting.size > 0) await Promise.all([...this.waiting]);
      else return;
    }
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
