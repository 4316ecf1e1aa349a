import type { Log } from "@drift/core";

/** Clean full-size answers in a row before the batch grows. */
const GROW_AFTER = 3;
/** Clean full-size answers after which a ceiling is forgotten (the limit may have been a passing load spike). */
const FORGET_AFTER = 20;
/** Below a known ceiling, stop probing once it is this close (a refused probe costs a request per chunk). */
const CLOSE_ENOUGH = 1.25;

/**
 * Repositories per GraphQL query, learned from the host's answers: a binary search between the largest size
 * that passed (`floor`) and the smallest that was refused (`ceiling`). Only full-size queries are evidence that
 * the current size passes: a one-repository tag page or peel, or the tail of a sweep, says nothing about it.
 */
export class AdaptiveBatchSize {
  private size: number;
  private streak = 0;
  private clean = 0;
  private ceiling?: number;
  private floor?: number;

  constructor(
    private readonly max: number,
    private readonly log: Log,
  ) {
    this.size = max;
  }

  get value(): number {
    return this.size;
  }

  /**
   * A query of `sent` repositories was refused (resource limits) or was too heavy (timeout): the next queries
   * use the largest size known to pass below it, else half of it. Remembers `sent` as a ceiling.
   */
  shrink(sent: number, reason: string): void {
    const before = this.size;
    this.ceiling = Math.min(this.ceiling ?? Number.POSITIVE_INFINITY, sent);
    if (this.floor !== undefined && this.floor >= this.ceiling) this.floor = undefined;
    const next = this.floor ?? Math.floor(sent / 2);
    this.size = Math.max(1, Math.min(this.size, next));
    this.streak = 0;
    this.clean = 0;
    if (this.size !== before)
      this.log.info("GraphQL batch size reduced", { from: before, to: this.size, reason });
  }

  /**
   * A query of `sent` repositories was answered cleanly. After {@link GROW_AFTER} full-size ones in a row the
   * size grows: by half, or halfway to a known ceiling unless already close to it.
   */
  grow(sent: number): void {
    if (sent < this.size) return;
    this.streak += 1;
    this.clean += 1;
    if (this.ceiling === undefined || sent < this.ceiling) this.floor = Math.max(this.floor ?? 0, sent);
    if (this.clean >= FORGET_AFTER) {
      this.ceiling = undefined;
      this.floor = undefined;
    }
    if (this.streak < GROW_AFTER) return;
    const ceiling = this.ceiling;
    const max = Math.min(this.max, ceiling !== undefined ? ceiling - 1 : Number.POSITIVE_INFINITY);
    if (this.size >= max || (ceiling !== undefined && ceiling <= this.size * CLOSE_ENOUGH)) return;
    const step = ceiling !== undefined ? Math.floor((this.size + ceiling) / 2) : Math.ceil(this.size * 1.5);
    this.size = Math.max(this.size, Math.min(max, step));
    this.streak = 0;
  }
}
