import type { SweepStore } from "@drift/core";
import type { Sql } from "./client";
import { applyDrift } from "./drift-store";
import { createRowPager, finishMapping, recordMappings } from "./mapping-store";
import { pgText } from "./pg-text";
import { isRecheck, recordRecheckOutcomes } from "./recheck-store";
import { createSweepRunStore, recordMessageDone } from "./sweep-run-store";
import { createTargetStateStore, updateTargetStates } from "./target-state-store";

export { pgText };

/**
 * The Postgres implementation of the sweep flow's store port, composed of the sweep-run SQL (sweep-run-store.ts),
 * the target-state SQL (target-state-store.ts) and the mapping SQL (mapping-store.ts). `mappingListCap`: see
 * createRowPager (tests lower it to exercise the keyset scan).
 */
export function createSweepStore(sql: Sql, options: { mappingListCap?: number } = {}): SweepStore {
  return {
    ...createSweepRunStore(sql),
    ...createTargetStateStore(sql),
    pagePluginRows: createRowPager(sql, options.mappingListCap),
    recordMappings: (page) => recordMappings(sql, page),
    finishMapping: (wrote) => finishMapping(sql, wrote),
    // One transaction: drift rows, target rows, then the message row and the sweep's completion. A webhook
    // re-check's messages use the same schema and worker; their bookkeeping is apart from sweeps'.
    recordOutcomes: (sweepId, seq, outcomes, options) =>
      sql.begin(async (raw) => {
        const tx = raw as unknown as Sql;
        if (await isRecheck(tx, sweepId)) return recordRecheckOutcomes(tx, sweepId, seq, outcomes, options);
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
