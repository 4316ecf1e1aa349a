import type { AutoApplyRow } from "../policies/policy-port";
import type { Log } from "../ports";
import { deliverByPolicy, type RolloutDeps } from "./advance";
import { parseRolloutPlan, type RolloutPlan } from "./schema";

/**
 * The policy step's rollout delivery (CONTRACT: `"rollout"` in a policy): eligible rows whose policy has a plan
 * are collected per drift (policy, target, commit) instead of applied, then each group starts or extends one
 * rollout ({@link deliverByPolicy}). The store keeps rows waiting in a rollout, or stopped by a halt or a cancel,
 * out of the candidates.
 */
export class PolicyRollouts {
  private readonly groups = new Map<string, { policyId: string; plan: RolloutPlan; ids: string[] }>();

  /** Takes the row when its policy delivers through a rollout (true), else leaves it to be applied at once. */
  take(row: AutoApplyRow): boolean {
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
  async deliver(deps: RolloutDeps | undefined, log: Log): Promise<number> {
    if (this.groups.size === 0) return 0;
    if (!deps) {
      log.warn("a policy delivers through rollouts, but this runtime has none; its rows wait", {});
      return 0;
    }
    let applied = 0;
    for (const group of this.groups.values()) {
      const done = await deliverByPolicy(deps, group.policyId, group.plan, group.ids);
      log.info("policy delivers through a rollout", {
        policy_id: group.policyId,
        rollout_id: done.rolloutId,
      });
      applied += done.applied;
    }
    return applied;
  }
}
