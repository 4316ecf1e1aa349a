import type { AutoApply, AutoApplyCandidate } from "../policy";

/**
 * Port: what the policy step reads and writes besides decisions (@drift/db createPolicyStore): `ready_at` and
 * the rows a policy may apply. Each call is about the pending rows of the targets one sweep message recorded.
 */

/** A ready pending row whose most specific policy has an `auto_apply` level, with what judging it needs. */
export interface AutoApplyRow extends AutoApplyCandidate {
  readonly id: string;
  readonly latest_sha: string;
  readonly policy_id: string;
  readonly auto_apply: AutoApply;
  /** The policy's rollout plan (JSON, CONTRACT "rollouts"), or null: applied at once. */
  readonly rollout?: unknown;
  /** The target the drift was detected on (rows of one drift share it). */
  readonly target_key?: string | null;
}

export interface PolicyStore {
  /**
   * Sets `ready_at` of the pending rows of these targets: the drift's date plus the most specific policy's
   * `min_release_age`, else `defaultAgeMs`; NULL when no age applies and for `tag_moved`. Idempotent.
   */
  refreshReadyAt(targetKeys: readonly string[], defaultAgeMs: number): Promise<void>;
  /**
   * The pending rows of these targets ready at `now` whose most specific policy says other than `none`, that
   * have a review packet signed `valid` or `unsigned`, of kind `new_version` or `ref_moved`; in id order.
   */
  autoApplyCandidates(targetKeys: readonly string[], now: Date): Promise<AutoApplyRow[]>;
  /** Pending rows of these targets still cooling down at `now`. */
  countCoolingDown(targetKeys: readonly string[], now: Date): Promise<number>;
}
