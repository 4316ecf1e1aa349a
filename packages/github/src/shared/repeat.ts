import type { Settings } from "./config";

/**
 * How the requests of our own clients (no retry plugin: GraphQL, review packets) repeat a plain 5xx: with
 * backoff, up to `settings.retries` more times. Which answers are worth another try is the caller's to say
 * (graphql-send.ts `retryable` leaves heavy GraphQL failures to be split instead).
 */
export async function repeating<T>(
  once: () => Promise<T>,
  again: (result: T) => boolean,
  settings: Pick<Settings, "retries" | "retryBaseDelayMs">,
  signal?: AbortSignal,
): Promise<T> {
  let result = await once();
  for (let attempt = 0; again(result) && attempt < settings.retries; attempt++) {
    await pause(retryDelayMs(attempt, settings.retryBaseDelayMs), signal);
    result = await once();
  }
  return result;
}

/**
 * The wait before repeat `attempt` (0-based) of a failed request: exponential from `baseMs`, with jitter (half to
 * all of it) so workers that failed together do not come back together.
 */
export const retryDelayMs = (attempt: number, baseMs: number) =>
  baseMs * 2 ** attempt * (0.5 + Math.random() / 2);

/** Waits `ms`, or less when the caller's signal aborts (the next send then defers). */
export const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
