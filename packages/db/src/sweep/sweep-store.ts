import type { RecordedMessage, SweepStore, TargetOutcome } from "@drift/core/model";
import type { Sql } from "../client";
import { recordTagLedger } from "../integrity/tag-ledger";
import { createRowPager, finishMapping, recordMappings } from "../mapping/mapping-store";
import { writeDriftEvents } from "../notifications/notify-events-writer";
import { pgText } from "../pg-text";
import { driftByKind as driftByKindOf, refreshReadyAt } from "../policies/policy-sweep";
import { recordSightings } from "../trust/commit-sightings";
import { applyDrift } from "./drift-store";
import { recordRecheckOutcomes } from "./recheck-store";
import { createSweepRunStore, recordMessageDone } from "./sweep-run-store";
import { createTargetStateStore, updateTargetStates } from "./target-state-store";

export { pgText };

/**
 * The Postgres implementation of the sweep flow's store port, composed of the sweep-run SQL (sweep-run-store.ts),
 * the target-state SQL (target-state-store.ts) and the mapping SQL (mapping-store.ts). `mappingListCap`: see
 * createRowPager (tests lower it to exercise the keyset scan).
 */
export function createSweepStore(
  sql: Sql,
  settings: { minReleaseAgeMs?: number; mappingListCap?: number } = {},
): SweepStore {
  return {
    ...createSweepRunStore(sql),
    ...createTargetStateStore(sql),
    pagePluginRows: createRowPager(sql, settings.mappingListCap),
    recordMappings: (page, scope) => recordMappings(sql, page, scope),
    finishMapping: (written) => finishMapping(sql, written),
    // One transaction: drift rows, target rows, then the message row and the sweep's completion. A webhook
    // re-check's messages use the same schema and worker; their bookkeeping is apart from sweeps', but cooling
    // down and the tag-integrity ledger run for them too (a re-check that finds a re-pointed tag records it).
    recordOutcomes: (sweepId, seq, outcomes, options) =>
      sql.begin(async (raw) => {
        const tx = raw as unknown as Sql;
        // No JIT for this transaction: the drift statement's estimates cross jit_above_cost, and compiling it took
        // ~200 ms per message while it runs in a few (set_config, not SET: a connection proxy sees no SET). And
        // random pages priced as the cached reads they are: at the default 4 a message of 270 targets hashed all
        // 10,000 mappings (a sequential scan per message) instead of probing its targets' index entries. In the
        // statement that asks whether this is a re-check's message: a first statement on a connection costs two
        // round trips (postgres.js describes it first), each a wait while other messages hold the sweep row.
        const [mode] = await tx<{ recheck: boolean }[]>`
          SELECT set_config('jit', 'off', true), set_config('random_page_cost', '1.1', true),
            EXISTS (SELECT 1 FROM drift_rechecks WHERE id = ${sweepId}::uuid) AS recheck`;
        const policy = () =>
          recordPolicyParts(
            tx,
            sweepId,
            outcomes,
            settings.minReleaseAgeMs ?? 0,
            options.seenAt ?? new Date(),
          );
        if (mode?.recheck) {
          const recorded = await recordRecheckOutcomes(tx, sweepId, seq, outcomes, options);
          return { ...recorded, ...(await policy()) };
        }
        const resolved = outcomes.flatMap((o) =>
          o.resolution.status === "resolved"
            ? [{ key: o.target.key, sha: o.resolution.sha, tag: pgText(o.resolution.tag) }]
            : [],
        );
        const drift = await applyDrift(tx, resolved, sweepId);
        await writeDriftEvents(tx, drift.groups, sweepId);
        const parts = await policy();
        const finishedNow = await updateTargetStates(tx, sweepId, outcomes);
        // Counted once per target: a duplicate delivery that lost the race counts nothing it did not finish.
        const counted = outcomes.filter((o) => !o.finished || finishedNow.has(o.target.key));
        const done = await recordMessageDone(tx, sweepId, seq, counted, options, drift);
        return { ...done, ...parts };
      }),
  };
}

/**
 * Policies (policy-sweep.ts, tag-ledger.ts), after the drift upsert in the message's transaction: the first
 * sighting of each resolved commit (the cooldown's clock), then a new drift cools down from it; the pending rows by
 * drift kind; the tag-integrity events.
 */
async function recordPolicyParts(
  tx: Sql,
  id: string,
  outcomes: readonly TargetOutcome[],
  minReleaseAgeMs: number,
  seenAt: Date,
): Promise<Pick<RecordedMessage, "driftByKind" | "integrity">> {
  const keys = outcomes.filter((o) => o.resolution.status === "resolved").map((o) => o.target.key);
  await recordSightings(tx, outcomes, seenAt);
  await refreshReadyAt(tx, keys, minReleaseAgeMs);
  const driftByKind = await driftByKindOf(tx, keys);
  const integrity = await recordTagLedger(tx, id, outcomes);
  return { driftByKind, integrity };
}
