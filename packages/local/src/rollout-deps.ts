import { createLogNotifier, type Log, type RolloutDeps } from "@drift/core";
import { createRolloutDecisions, createRolloutStore, type Sql } from "@drift/db";

/** The rollout use cases' dependencies in a local process (the CLI, `drift serve`, the demo): events as log lines. */
export function localRolloutDeps(sql: Sql, log: Log, now: () => Date = () => new Date()): RolloutDeps {
  return {
    store: createRolloutStore(sql),
    decisions: createRolloutDecisions(sql, createLogNotifier(log), log),
    now,
    log,
  };
}
