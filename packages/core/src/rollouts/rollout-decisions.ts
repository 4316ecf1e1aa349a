import { decide } from "../decisions/decide";
import type { DecisionStore } from "../decisions/decision-port";
import type { Notifier } from "../events/notifier";
import type { EventOutbox } from "../events/outbox-port";
import { publishAllPendingEvents } from "../events/publish-events";
import { type Log, silentLog } from "../ports";
import type { RolloutDeps } from "./advance";
import type { ApplyVerdict, RolloutDecisions, RolloutObserver, RolloutStore, RowVerdict } from "./ports";

/** What a rollout decides with: the one decision path's store, and where its events go. */
export interface RolloutDecisionDeps {
  readonly decisions: DecisionStore;
  readonly outbox: EventOutbox;
  /** Without one, the events wait in the outbox for the next drain. */
  readonly notifier?: Notifier | undefined;
  readonly log?: Log | undefined;
}

/**
 * The one decision path as a rollout uses it: each row applied or rolled back by {@link decide} (its own
 * transaction, row locks, guards, outbox event) with `decided_by = rollout:<id>`. A row this rollout applied
 * before (a racing tick, a crash before its mark) is `applied_before`; any refusal, or a row decided by someone
 * else, leaves.
 */
export function rolloutDecisions(
  deps: RolloutDecisionDeps,
  store: Pick<RolloutStore, "decidedBy">,
): RolloutDecisions {
  const log = deps.log ?? silentLog;
  return {
    async apply(queueId, rolloutId, latestSha): Promise<ApplyVerdict> {
      const by = `rollout:${rolloutId}`;
      const outcome = await decide(deps.decisions, queueId, "apply", {
        decidedBy: by,
        expectedLatestSha: latestSha,
      });
      if (outcome.kind === "applied") return "applied";
      if (outcome.kind === "already_applied" && (await store.decidedBy(queueId)) === by)
        return "applied_before";
      if (outcome.kind === "conflict")
        log.info("rollout row left", { rollout_id: rolloutId, queue_id: queueId, code: outcome.code });
      return "left";
    },
    async rollback(queueId, rolloutId): Promise<RowVerdict> {
      const outcome = await decide(deps.decisions, queueId, "rollback", {
        decidedBy: `rollout:${rolloutId}`,
        reason: `rollout ${rolloutId} halted`,
      });
      if (outcome.kind === "rolled_back" || outcome.kind === "already_rolled_back") return "rolled_back";
      if (outcome.kind === "conflict")
        log.warn("rollout rollback refused", {
          rollout_id: rolloutId,
          queue_id: queueId,
          code: outcome.code,
        });
      return "left";
    },
    async publish() {
      // Until the outbox is empty or a publish fails (a wave can apply thousands of rows; 25 a drain).
      if (deps.notifier) await publishAllPendingEvents(deps.outbox, deps.notifier, log, 10_000);
    },
  };
}

/** The rollout use cases' dependencies from the stores (each runtime passes its own). */
export function createRolloutDeps(
  deps: RolloutDecisionDeps & {
    readonly rollouts: RolloutStore;
    readonly now?: (() => Date) | undefined;
    readonly observer?: RolloutObserver | undefined;
  },
): RolloutDeps {
  return {
    store: deps.rollouts,
    decisions: rolloutDecisions(deps, deps.rollouts),
    now: deps.now ?? (() => new Date()),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.observer ? { observer: deps.observer } : {}),
  };
}
