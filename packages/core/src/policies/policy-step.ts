import { decide } from "../decisions/decide";
import type { DecisionStore } from "../decisions/decision-port";
import type { Notifier } from "../events/notifier";
import type { EventOutbox } from "../events/outbox-port";
import { publishPendingEvents } from "../events/publish-events";
import { allowsAutoApply, type PolicyStep } from "../policy";
import { type Log, silentLog } from "../ports";
import type { RolloutDeps } from "../rollouts/advance";
import { PolicyRollouts } from "../rollouts/policy-delivery";
import type { PolicyStore } from "./policy-port";

/** What the policy step works with. */
export interface PolicyStepDeps {
  readonly policies: PolicyStore;
  readonly decisions: DecisionStore;
  readonly outbox: EventOutbox;
  /** `DRIFT_MIN_RELEASE_AGE` in milliseconds. */
  readonly defaultAgeMs: number;
  /** Publishes the applied events after commit; without one they wait in the outbox for the next drain. */
  readonly notifier?: Notifier;
  readonly log?: Log;
  /** The clock readiness is judged by (tests inject one). */
  readonly now?: () => Date;
  /** Where a policy with a `"rollout"` delivers (its rows wait without one). */
  readonly rollouts?: RolloutDeps;
}

/**
 * The post-drift step of a message (after the drift rows and the review packets are stored): refresh `ready_at`
 * now that the packets are known, then apply every ready pending row of these targets that its most specific
 * policy allows, each through {@link decide} (row locks, installed_sha exactly latest_sha, outbox event,
 * `decided_by = policy:<id>`). A row decided meanwhile by someone else simply is not applied again.
 *
 * @example
 * const policies = createPolicyStep({ policies, decisions, outbox, defaultAgeMs: 0, notifier, log });
 */
export function createPolicyStep(deps: PolicyStepDeps): PolicyStep {
  const log = deps.log ?? silentLog;
  return async (targetKeys) => {
    if (targetKeys.length === 0) return { autoApplied: 0, coolingDown: 0 };
    const now = deps.now?.() ?? new Date();
    await deps.policies.refreshReadyAt(targetKeys, deps.defaultAgeMs);
    // After the packets: what the new versions are vouched for by is known now.
    const downgrades = await deps.policies.recordTrustDowngrades(targetKeys);
    const candidates = await deps.policies.autoApplyCandidates(targetKeys, now);
    let autoApplied = 0;
    const inWaves = new PolicyRollouts();
    for (const row of candidates) {
      if (!allowsAutoApply(row.auto_apply, row, row.require) || inWaves.take(row)) continue;
      const outcome = await decide(deps.decisions, row.id, "apply", {
        decidedBy: `policy:${row.policy_id}`,
        expectedLatestSha: row.latest_sha,
        now,
      });
      if (outcome.kind === "applied") {
        autoApplied++;
        log.info("plugin update auto-applied", { ...outcome.event, policy_id: row.policy_id });
      } else if (outcome.kind === "conflict") {
        log.info("auto-apply refused", { queue_id: row.id, code: outcome.code });
      }
    }
    autoApplied += await inWaves.deliver(deps.rollouts, log);
    if (autoApplied > 0 && deps.notifier) await publishPendingEvents(deps.outbox, deps.notifier, log);
    return {
      autoApplied,
      coolingDown: await deps.policies.countCoolingDown(targetKeys, now),
      ...(downgrades ? { integrity: { trust_downgrade: downgrades } } : {}),
    };
  };
}
