/**
 * Retry schedule of a notification delivery: 2 s, 4 s, 8 s (the first three retries within 14 s), then doubling to
 * at most an hour between attempts, for 24 hours from the delivery's creation; then it is given up (`failed`).
 */
export const NOTIFY_RETRY = {
  firstDelayMs: 2_000,
  maxDelayMs: 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
} as const;

/**
 * When the next attempt is due after `attempts` failed ones, or null when the delivery is given up.
 *
 * @example
 * nextAttemptAt(1, created, created) // created + 2 s
 */
export function nextAttemptAt(attempts: number, createdAt: Date, now: Date): Date | null {
  const n = Math.max(1, Math.min(attempts, 30));
  const delay = Math.min(NOTIFY_RETRY.firstDelayMs * 2 ** (n - 1), NOTIFY_RETRY.maxDelayMs);
  const next = new Date(now.getTime() + delay);
  const deadline = createdAt.getTime() + NOTIFY_RETRY.giveUpAfterMs;
  if (now.getTime() >= deadline) return null;
  // The last attempt happens at the deadline rather than being skipped.
  return next.getTime() > deadline ? new Date(deadline) : next;
}
