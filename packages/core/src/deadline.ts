/**
 * The worker's deadline: what is left of the invocation (Lambda's getRemainingTimeInMillis, the local runner's
 * equal budget) less a margin for recording, as an AbortSignal that resolvers pass down to every request.
 */

/**
 * The abort reason of a deadline. Named "AbortError" so HTTP clients rethrow it as it is (Octokit does, and its
 * retry plugin never retries it); `deadline` tells it from a timeout or a caller's abort.
 */
export class DeadlineExceeded extends Error {
  override readonly name = "AbortError";
  readonly deadline = true;
  constructor(budgetMs: number) {
    super(`the invocation's deadline (${Math.round(budgetMs)} ms of lookups) came first`);
  }
}

/** True for the reason a {@link deadlineSignal} aborts with. */
export const isDeadline = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { deadline?: unknown }).deadline === true;

/** A signal that aborts with {@link DeadlineExceeded} after `budgetMs` (at once when none is left). */
export function deadlineSignal(budgetMs: number): AbortSignal {
  const controller = new AbortController();
  const ms = Math.max(0, budgetMs);
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(ms)), ms);
  // Never keeps a process alive (the local runner exits when its work is done).
  (timer as { unref?: () => void }).unref?.();
  return controller.signal;
}
