/**
 * What is left of one rate-limit bucket of a host (GraphQL points, or REST requests), as the host last
 * reported it. Requests are only sent while the remainder stays above the reserve, so a sweep never spends
 * the last of the hour that other tools (and the next sweep) need.
 */
export class RateBudget {
  private remaining?: number;
  private resetAt?: Date;
  /** Cost of requests sent but not answered yet (several may be in flight). */
  private pending = 0;

  constructor(readonly reserve: number) {}

  /** True once the host has reported a remainder that is still current. */
  get known(): boolean {
    this.expire();
    return this.remaining !== undefined;
  }

  /** The remainder last reported (lowest seen in the current window), if known. */
  get lastRemaining(): number | undefined {
    this.expire();
    return this.remaining;
  }

  get windowResetAt(): Date | undefined {
    return this.resetAt;
  }

  /** Reserves `cost` for a request about to be sent; false (nothing reserved) when it would cut into the reserve. */
  tryReserve(cost: number): boolean {
    this.expire();
    if (this.remaining !== undefined && this.remaining - this.pending - cost < this.reserve) return false;
    this.pending += cost;
    return true;
  }

  release(cost: number): void {
    this.pending = Math.max(0, this.pending - cost);
  }

  /** Records a remainder reported by the host (header or GraphQL `rateLimit`). */
  observe(remaining: number, resetAt?: Date): void {
    if (!Number.isFinite(remaining)) return;
    this.expire();
    const newWindow = resetAt && this.resetAt && resetAt.getTime() > this.resetAt.getTime() + 1000;
    if (this.remaining === undefined || newWindow) {
      this.remaining = remaining;
      this.resetAt = resetAt ?? this.resetAt;
    } else {
      // Answers can arrive out of order: the lowest remainder of a window is the truth.
      this.remaining = Math.min(this.remaining, remaining);
      this.resetAt ??= resetAt;
    }
  }

  private expire(): void {
    if (this.resetAt && Date.now() >= this.resetAt.getTime()) {
      this.remaining = undefined;
      this.resetAt = undefined;
    }
  }
}
