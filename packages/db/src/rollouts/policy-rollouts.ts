import { deliverByPolicy, type Log, type Notifier, parseRolloutPlan, type RolloutPlan } from "@drift/core";
import type { Sql } from "../client";
import { createRolloutDecisions, createRolloutStore } from "./rollout-store";

/**
 * The policy step's rollout delivery (CONTRACT: `"rollout"` in a policy): eligible rows whose policy has a plan
 * are collected per drift (policy, target, commit) instead of applied, then each group starts or extends a
 * rollout ({@link deliverByPolicy}). Rows the step must leave alone are kept out by {@link inRollout}.
 */

/**
 * A queue row `q` that waits in a rollout, or that a halt or a cancel stopped, for its current commit: no policy
 * applies it (the rollout does, or the operator decided it should not go on). A newer commit is free again.
 */
export const inRollout = (sql: Sql) => sql`EXISTS (
  SELECT 1 FROM drift_rollout_rows x JOIN drift_rollouts r ON r.id = x.rollout_id
  WHERE x.queue_id = q.id AND x.state IN ('waiting', 'stopped') AND r.latest_sha = lower(q.latest_sha))`;

interface Row {
  readonly id: string;
  readonly latest_sha: string;
  readonly policy_id: string;
  readonly rollout: unknown;
  readonly target_key: string | null;
}

export class PolicyRollouts {
  private readonly groups = new Map<string, { policyId: string; plan: RolloutPlan; ids: string[] }>();

  /** Takes the row when its policy delivers through a rollout (true), else leaves it to be applied at once. */
  take(row: Row): boolean {
    if (row.rollout == null) return false;
    const plan = parseRolloutPlan(row.rollout);
    if (!plan.ok) return false;
    const key = `${row.policy_id} ${row.target_key} ${row.latest_sha.toLowerCase()}`;
    const group = this.groups.get(key) ?? { policyId: row.policy_id, plan: plan.value, ids: [] };
    group.ids.push(row.id);
    this.groups.set(key, group);
    return true;
  }

  /** Starts or extends one rollout per group; returns the rows applied now (the first wave, or joiners). */
  async deliver(
    sql: Sql,
    options: { readonly notifier?: Notifier; readonly now?: () => Date },
    log: Log,
  ): Promise<number> {
    if (this.groups.size === 0) return 0;
    const deps = {
      store: createRolloutStore(sql),
      decisions: createRolloutDecisions(sql, options.notifier, log),
      now: options.now ?? (() => new Date()),
      log,
    };
    let applied = 0;
    for (const group of this.groups.values()) {
      const done = await deliverByPolicy(deps, group.policyId, group.plan, group.ids);
      log.info("policy delivers through a rollout", { policy_id: group.policyId, rollout_id: done.rolloutId });
      applied += done.applied;
    }
    return applied;
  }
}
