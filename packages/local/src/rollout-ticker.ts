import { type Log, tickRollouts } from "@drift/core";
import type { Sql } from "@drift/db";
import { startPeriodic } from "./periodic";
import { localRolloutDeps } from "./rollout-deps";

/** How often `drift serve` advances rollouts: DRIFT_ROLLOUT_TICK_MS (200 ms to 5 min), default 5 s. */
export function rolloutTickMs(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.DRIFT_ROLLOUT_TICK_MS);
  return Number.isInteger(ms) && ms >= 200 && ms <= 300_000 ? ms : 5000;
}

/**
 * `drift serve`'s rollout tick: every few seconds, the one tick the scheduled function runs in AWS. A tick never
 * overlaps the previous one, and a failure is logged and retried at the next (it changes nothing half-way: each
 * step is its own transaction).
 */
export function startRolloutTicker(sql: Sql, log: Log, everyMs: number): { stop(): Promise<void> } {
  const deps = localRolloutDeps(sql, log);
  return startPeriodic(
    () =>
      tickRollouts(deps)
        .then((r) => {
          if (r.wavesStarted || r.halted || r.completed) log.info("rollout tick", { ...r });
        })
        .catch((error: Error) =>
          log.warn("rollout tick failed; retried at the next", { error: error.message }),
        ),
    everyMs,
  );
}
