/** How long a failing target waits before it is due again: one sweep, then doubling, at most a day. */
export interface BackoffPolicy {
  /** The sweep interval (hourly schedule). */
  readonly baseMs: number;
  readonly maxMs: number;
  /** Subtracted so a target due "in one hour" is due at the next hourly sweep, not the one after. */
  readonly slackMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 60 * 60_000,
  maxMs: 24 * 60 * 60_000,
  slackMs: 5 * 60_000,
};

/** Delay after the n-th consecutive failure (n ≥ 1): base, 2×base, 4×base … capped. */
export function backoffDelayMs(consecutiveFailures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.min(consecutiveFailures, 30));
  return Math.max(0, Math.min(policy.baseMs * 2 ** (n - 1), policy.maxMs) - policy.slackMs);
}
