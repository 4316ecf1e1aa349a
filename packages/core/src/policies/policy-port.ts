import type { AutoApply, AutoApplyCandidate, Require } from "../policy";

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
  /** The policy's `require` (trust the row needs). */
  readonly require: Require;
}

export interface PolicyStore {
  /**
   * Sets `ready_at` of the pending rows of these targets: the drift's date plus the most specific policy's
   * `min_release_age`, else `defaultAgeMs`; NULL when no age applies and for `tag_moved`. Idempotent.
   */
  refreshReadyAt(targetKeys: readonly string[], defaultAgeMs: number): Promise<void>;
  /**
   * Records a `trust_downgrade` integrity event for each pending row of these targets whose new version's trust
   * is lower than the installed version's, once per (target, commit) whatever the number of calls; returns how
   * many this call recorded.
   */
  recordTrustDowngrades(targetKeys: readonly string[]): Promise<number>;
  /**
   * The pending rows of these targets ready at `now` whose most specific policy says other than `none`, that
   * have a review packet signed `valid` or `unsigned`, of kind `new_version` or `ref_moved`; in id order; with
   * their trust, whether it is a downgrade, and their tracked_ref (its tag prefix).
   */
  autoApplyCandidates(targetKeys: readonly string[], now: Date): Promise<AutoApplyRow[]>;
  /** Pending rows of these targets still cooling down at `now`. */
  countCoolingDown(targetKeys: readonly string[], now: Date): Promise<number>;
}
