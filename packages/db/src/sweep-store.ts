import type { SweepStore } from "@drift/core";
import type { Sql } from "./client";
import { applyDrift } from "./drift-store";
import { analyzeMappings, pagePluginRows, pruneMappings, recordMappings } from "./mapping-store";
import { pgText } from "./pg-text";
import { createSweepRunStore, recordMessageDone } from "./sweep-run-store";
import { createTargetStateStore, updateTargetStates } from "./target-state-store";

export { pgText };

/**
 * The Postgres implementation of the sweep flow's store port, composed of the sweep-run SQL (sweep-run-store.ts),
 * the target-state SQL (target-state-store.ts) and the mapping SQL (mapping-store.ts).
 */
export function createSweepStore(sql: Sql): SweepStore {
  return {
    ...createSweepRunStore(sql),
    ...createTargetStateStore(sql),
    pagePluginRows: (afterId, limit) => pagePluginRows(sql, afterId, limit),
    recordMappings: (page) => recordMappings(sql, page),
    async pruneMappings() {
      const pruned = await pruneMappings(sql);
      await analyzeMappings(sql);
      return pruned;
    },
    // One transaction: drift rows, target rows, then the message row and the sweep's completion.
    recordOutcomes: (sweepId, seq, outcomes, options) =>
      sql.begin(async (raw) => {
        const tx = raw as unknown as Sql;
        const resolved = outcomes.flatMap((o) =>
          o.resolution.status === "resolved"
            ? [{ key: o.target.key, sha: o.resolution.sha, tag: pgText(o.resolution.tag) }]
            : [],
        );
        const drift = await applyDrift(tx, resolved, sweepId);
        const finishedNow = await updateTargetStates(tx, sweepId, outcomes);
        // Counted once per target: a duplicate delivery that lost the race counts nothing it did not finish.
        const counted = outcomes.filter((o) => !o.finished || finishedNow.has(o.target.key));
        return recordMessageDone(tx, sweepId, seq, counted, options, drift);
      }),
  };
}
