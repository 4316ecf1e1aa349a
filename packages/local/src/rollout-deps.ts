import { createLogNotifier, createRolloutDeps, type Log, type RolloutDeps } from "@drift/core";
import { createDecisionStore, createEventOutbox, createRolloutStore, type Sql } from "@drift/db";

/** The rollout use cases' dependencies in a local process (the CLI, `drift serve`, the demo): events as log lines. */
export function localRolloutDeps(sql: Sql, log: Log, now?: () => Date): RolloutDeps {
  return createRolloutDeps({
    rollouts: createRolloutStore(sql),
    decisions: createDecisionStore(sql),
    outbox: createEventOutbox(sql),
    notifier: createLogNotifier(log),
    log,
    now,
  });
}
