/**
 * What the README calls a first sweep is one (issue 24): every measured first sweep of the benchmark starts from a
 * schema whose only rows are the seeded workspace_plugins, and the bench refuses to measure otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { benchW1 } from "../../bench/w1";
import { assertFreshStart, freshStart } from "../../bench/world";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { givenDriftedPlugin, startSim, sweep } from "../support/pipeline";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.close();
});

describe(`bench first sweeps start on an empty database (${dbLabel})`, () => {
  it("refuses a first sweep on a database a sweep has written (packets, ledger, queue …), and a fresh start empties it", async () => {
    const sim = await startSim();
    try {
      await givenDriftedPlugin({ db, sim }, "fresh/one");
      const done = await sweep(db.sql, sim);
      expect(done.drift.new).toBe(1);
    } finally {
      await sim.close();
    }
    await expect(assertFreshStart(db.sql)).rejects.toThrow(/non-empty database \(.*drift_review_packets/);
    await freshStart(db.sql, async () => {
      await db.sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw)
        VALUES (gen_random_uuid(), 'p', 'local://p')`;
    });
    await assertFreshStart(db.sql);
  });

  it("covers tables it was never told about (a later migration's)", async () => {
    await db.sql`CREATE TABLE IF NOT EXISTS drift_bench_probe (x int)`;
    await db.sql`INSERT INTO drift_bench_probe VALUES (1)`;
    await expect(assertFreshStart(db.sql)).rejects.toThrow(/drift_bench_probe/);
    await freshStart(db.sql, async () => {});
    await assertFreshStart(db.sql);
    await db.sql`DROP TABLE drift_bench_probe`;
  });

  // The bench runs on PostgreSQL only (bench/run.ts requires DATABASE_URL): its `drift` processes open their own
  // connections, and embedded PGlite's socket serves one, which this file holds.
  it.skipIf(!process.env.DATABASE_URL)(
    "every W1 run is a first sweep: each fetches the review packets of its drift",
    async () => {
      const r = await benchW1(db, { runs: 2, rows: 200, latencyMs: 0, sampleRows: 1 });
      expect(r.processMs.all).toHaveLength(2);
      expect(r.driftFound).toBe(100); // rows 0–99 follow branch:main of the 100 moved repositories
      for (const run of r.requests) {
        expect(run.packetQueries).toBeGreaterThan(0);
        expect(run.rest).toBe(r.requests[0]?.rest);
        expect(run.rest).toBeGreaterThan(0);
      }
    },
    120_000,
  );
});
