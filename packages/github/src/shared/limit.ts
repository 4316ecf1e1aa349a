/** Runs tasks within some bound (a {@link Semaphore}, or one inside another: {@link within}). */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** A task runs inside `outer`'s slot and then `inner`'s (e.g. the host's concurrency, then a pace of starts). */
export function within(outer: Limiter, inner: Limiter): Limiter {
  return { run: (task) => outer.run(() => inner.run(task)) };
}

/**
 * A counting semaphore: at most `max` tasks run at once; the rest wait in FIFO order. With `perWindow`, at most
 * that many tasks start in any `windowMs` (a rolling window), e.g. GitHub's 900 REST points a minute.
 */
export class Semaphore implements Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Start times within the current window (oldest first), when a window is set. */
  private readonly starts: number[] = [];

  constructor(
    private readonly max: number,
    private readonly window?: { readonly perWindow: number; readonly windowMs: number },
  ) {
    if (!(max >= 1)) throw new Error("Semaphore needs max >= 1");
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    await this.pace();
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  /** Waits until a start fits the window (slots are taken in order, so waiting tasks keep their turn). */
  private async pace(): Promise<void> {
    const w = this.window;
    if (!w) return;
    for (;;) {
      const now = Date.now();
      while (this.starts.length && (this.starts[0] as number) <= now - w.windowMs) this.starts.shift();
      if (this.starts.length < w.perWindow) {
        this.starts.push(now);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, (this.starts[0] as number) + w.windowMs - now));
    }
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight; results keep the input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
