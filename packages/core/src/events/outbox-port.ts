/**
 * Port: the transactional outbox (@drift/db createEventOutbox). An event is written in the transaction whose
 * change it announces and published after commit, so a failed publish is retried later and never lost.
 */

/** An unpublished outbox event. */
export interface OutboxEvent {
  readonly id: string;
  readonly event_type: string;
  readonly detail: Record<string, unknown>;
  readonly created_at: Date;
  readonly attempts: number;
}

export interface DrainResult {
  readonly published: number;
  readonly failed: number;
  /** Message of the first failure (publishing stops there, so order is kept; the next drain retries). */
  readonly error?: string;
}

export interface EventOutbox {
  /**
   * Hands unpublished events, oldest first, to `publish` and marks each one sent; stops at the first that
   * throws (counted as an attempt, kept for the next drain). Concurrent drains never hand over one event twice.
   */
  drain(publish: (event: OutboxEvent) => Promise<void>, options?: { limit?: number }): Promise<DrainResult>;
}
