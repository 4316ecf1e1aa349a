/**
 * The sweep under GitHub faults (issue 10, cases 1, 2, 3 and 6): every scenario ends with an exact assertion on
 * the queue and the target state, and honest figures in the summary.
 */
import type { Fault, GitHubSim } from "@drift/github-sim";
import { LocalQueue } from "@drift/local";
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

  it("case 1: a secondary rate limit of 1 s is waited for in the invocation: found in the same delivery", async () => {
    const world = await seedMovedBranches(db.direct, sim, "secondary", 3);
    sim.faults.add({ kind: "secondaryRateLimit", retryAfterSeconds: 1, times: 1, scope: "graphql" });
    const started = Date.now();
    const result = await runSweep(db.sql, { resolver: simResolver(sim), log: quietLog, worker: FAST_RETRY });
    expect(result).toMatchObject({
      status: "completed",
      targets: { resolved: 3, failed: 0 },
      drift: { new: 3 },
      messages: { deliveries: 1 },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await expectExactQueue(db.direct, world.expected);
    recordScenario({ faults: sim.faults.fired.secondaryRateLimit, expected: world.expected.length });
  });

  it("case 1: with too little of the invocation left to wait, the message is handed back and redelivered after the limit", async () => {
    const world = await seedMovedBranches(db.direct, sim, "handback", 3);
    sim.faults.add({ kind: "secondaryRateLimit", retryAfterSeconds: 1, times: 1, scope: "graphql" });
    const started = Date.now();
    const result = await runSweep(db.sql, {
      resolver: simResolver(sim),
      log: quietLog,
      worker: FAST_RETRY,
      // 20 s per invocation: a 1 s wait plus the 30 s kept free would run past it.
      queue: { invocationTimeoutMs: 20_000 },
    });
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

  /** Faults that one sweep must absorb: each ends with the exact queue, every target resolved. */
  const absorbed: { name: string; faults: Fault[]; timeoutMs?: number; repos?: number }[] = [
    { name: "a burst of 503s", faults: [{ kind: "status", status: 503, times: 2, scope: "graphql" }] },
    {
      name: "three 502s on a batch of one repository",
      faults: [{ kind: "status", status: 502, times: 3, scope: "graphql" }],
      repos: 1,
    },
    { name: "a hung request", faults: [{ kind: "hang", times: 1, scope: "graphql" }], timeoutMs: 300 },
    {
      name: "a primary limit (403) lifting in 1 s",
      faults: [{ kind: "primaryRateLimit", resetInSeconds: 1, times: 1, scope: "graphql" }],
    },
    {
      name: "a secondary limit as a 429",
      faults: [{ kind: "secondaryRateLimit", status: 429, retryAfterSeconds: 1, times: 1, scope: "graphql" }],
    },
    {
      name: "a GraphQL error on one repository",
      faults: [{ kind: "graphqlError", repository: "absorb5/r1", type: "INTERNAL", times: 1 }],
    },
    { name: "resource limits above 2 repositories", faults: [{ kind: "resourceLimit", maxRepositories: 2 }] },
    { name: "GitHub's query timeout answer", faults: [{ kind: "queryTimeout", times: 1 }] },
    {
      name: "an HTML page from a proxy",
      faults: [{ kind: "html", status: 502, times: 1, scope: "graphql" }],
    },
  ];
  for (const [index, scenario] of absorbed.entries()) {
    it(`absorbs ${scenario.name}: one sweep, the exact queue`, async () => {
      const n = scenario.repos ?? 4;
      const world = await seedMovedBranches(db.direct, sim, `absorb${index}`, n);
      for (const f of scenario.faults) sim.faults.add(f);
      // The production retry count (2), with short waits.
      const resolver = simResolver(sim, {
        requestTimeoutMs: scenario.timeoutMs ?? 5000,
        retries: 2,
        retryBaseDelayMs: 20,
      });
      const result = await runSweep(db.sql, { resolver, log: quietLog, worker: FAST_RETRY });
      expect(result).toMatchObject({ status: "completed", targets: { resolved: n, failed: 0 } });
      await expectExactQueue(db.direct, world.expected);
      const fired = Object.values(sim.faults.fired).reduce((a, b) => a + b, 0);
      expect(fired).toBeGreaterThan(0);
      recordScenario({ faults: fired, expected: n });
    });
  }

  it("duplicate and out-of-order deliveries change nothing more", async () => {
    const world = await seedMovedBranches(db.direct, sim, "dup", 5);
    const sent: string[] = [];
    const queue = new LocalQueue({ duplicateDeliveries: 2, batchSize: 1, concurrency: 3 });
    const send = queue.send.bind(queue);
    queue.send = async (messages) => {
      for (const m of messages) sent.push(JSON.stringify(m));
      return send(messages);
    };
    const first = await runSweep(db.sql, {
      resolver: simResolver(sim),
      log: quietLog,
      queue,
      dispatch: { reposPerMessage: 2 },
    });
    expect(first).toMatchObject({ status: "completed", drift: { new: 5 }, targets: { resolved: 5 } });
    // A later sweep, then the first sweep's messages delivered again, late and in reverse order.
    await runSweep(db.sql, { resolver: simResolver(sim), log: quietLog });
    const late = new LocalQueue({ batchSize: 1, concurrency: 1 });
    for (const body of [...sent].reverse()) late.sendRaw(body);
    const replayed = await runSweep(db.sql, { resolver: simResolver(sim), log: quietLog, queue: late });
    expect(replayed.status).toBe("completed");
    await expectExactQueue(db.direct, world.expected);
    recordScenario({ faults: sent.length * 2, expected: world.expected.length });
  });

  it("a tag moved while the sweep runs: the next sweep queues the newest commit, nothing stale", async () => {
    const w = sim.world;
    const rows = ["tagmove/a", "tagmove/b"].map((repo) => {
      w.createRepo(repo);
      const v1 = w.tag(repo, "v1").commit;
      return { repo, v1 };
    });
    await insertPluginsFor(
      rows.map((r) => ({ source_raw: `github://${r.repo}`, tracked_ref: "tag:v1", installed_sha: r.v1 })),
    );
    const resolver = simResolver(sim);
    let moved: string[] = [];
    const moving: typeof resolver = {
      ...resolver,
      stats: () => resolver.stats(),
      async resolve(requests, signal) {
        if (moved.length === 0)
          moved = rows.map((r) => w.moveTag(r.repo, "v1", w.commit(r.repo, "main")).commit);
        return resolver.resolve(requests, signal);
      },
    };
    await runSweep(db.sql, { resolver: moving, log: quietLog });
    await runSweep(db.sql, { resolver: simResolver(sim), log: quietLog });
    const plugins = await db.direct<{ workspace_id: string; plugin_name: string; installed_sha: string }[]>`
      SELECT workspace_id, plugin_name, installed_sha FROM workspace_plugins ORDER BY source_raw`;
    await expectExactQueue(
      db.direct,
      plugins.map((p, i) => ({ ...p, current_sha: p.installed_sha, latest_sha: moved[i] as string })),
    );
    const kinds = await db.direct`SELECT DISTINCT drift_kind FROM plugin_update_queue`;
    expect(kinds.map((k) => k.drift_kind)).toEqual(["tag_moved"]);
    recordScenario({ faults: 2, expected: 2 });
  });

  it("case 6: 4 GraphQL requests costing 4 points are reported as 4 and 4, at every concurrency", async () => {
    for (const concurrency of [1, 2, 4]) {
      await db.direct`TRUNCATE workspace_plugins, plugin_update_queue, drift_plugin_targets, drift_targets,
        drift_sweeps, drift_sweep_messages`;
      await seedMovedBranches(db.direct, sim, `counted${concurrency}`, 4);
      sim.resetCounters();
      // Resolution alone (the resolver without `review`): review packets, counted the same way, are
      // test/db/review-packet.test.ts's subject.
      const full = simResolver(sim);
      const result = await runSweep(db.sql, {
        resolver: { resolve: full.resolve.bind(full), stats: full.stats.bind(full) },
        log: quietLog,
        dispatch: { reposPerMessage: 1 },
        queue: { concurrency, batchSize: 1 },
      });
      expect(sim.counters.graphql).toBe(4);
      expect(result).toMatchObject({
        status: "completed",
        messages: { sent: 4 },
        github: { requests: 4, pointsUsed: 4 },
      });
    }
    recordScenario({ expected: 12 });
  });
});

async function insertPluginsFor(rows: { source_raw: string; tracked_ref: string; installed_sha: string }[]) {
  const { insertPlugins } = await import("../support/seed");
  await insertPlugins(db.direct, rows);
}
