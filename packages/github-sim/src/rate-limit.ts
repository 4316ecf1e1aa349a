/** One rate-limit bucket of the simulated host (GitHub keeps separate ones for GraphQL and REST "core"). */
export class RateBucket {
  used = 0;
  remaining: number;
  resetAt: Date;

  constructor(
    public limit: number,
    private readonly windowMs = 3_600_000,
  ) {
    this.remaining = limit;
    this.resetAt = new Date(Date.now() + windowMs);
  }

  /** Spends `cost` if the budget allows; false when it would go below zero (the request is refused). */
  take(cost: number): boolean {
    this.roll();
    if (this.remaining < cost) return false;
    this.remaining -= cost;
    this.used += cost;
    return true;
  }

  /** Sets the budget (tests: "only 3 points left"). */
  set(values: { limit?: number; remaining?: number; resetAt?: Date }): void {
    if (values.limit !== undefined) this.limit = values.limit;
    if (values.remaining !== undefined) this.remaining = values.remaining;
    if (values.resetAt !== undefined) this.resetAt = values.resetAt;
    this.used = this.limit - this.remaining;
  }

  /** GitHub's x-ratelimit-* response headers for this bucket. */
  headers(resource: string): Record<string, string> {
    this.roll();
    return {
      "x-ratelimit-limit": String(this.limit),
      "x-ratelimit-remaining": String(this.remaining),
      "x-ratelimit-used": String(this.used),
      "x-ratelimit-reset": String(Math.ceil(this.resetAt.getTime() / 1000)),
      "x-ratelimit-resource": resource,
    };
  }

  private roll(): void {
    if (Date.now() >= this.resetAt.getTime()) {
      this.remaining = this.limit;
      this.used = 0;
      this.resetAt = new Date(Date.now() + this.windowMs);
    }
  }
}
