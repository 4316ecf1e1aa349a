/**
 * Operators applying and dismissing while sweeps run and upstream keeps moving: 150 concurrent decisions racing
 * three sweeps end in a valid state, and the sweep after them queues exactly what is left.
 */
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, testAdminApp } from "../support/api";
import { quietLog, simResolver, startSim } from "../support/pipeline";
import { createFaultDb, type FaultDb } from "./support/fault-db";
import { expectExactQueue, record5xx, recordScenario, runSweep, seedMovedBranches } from "./support/scenario";

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

describe(`decisions racing sweeps (${process.env.DATABASE_URL ? "PostgreSQL behind PgBouncer" : "PGlite"})`, () => {
  it("150 concurrent apply/dismiss requests and three sweeps: a valid state, then the exact queue", async () => {
    const n = 30;
    await seedMovedBranches(db.direct, sim, "race", n);
    const sweep = () => runSweep(db.sql, { resolver: simResolver(sim), log: quietLog });
    expect((await sweep()).status).toBe("completed");
    const { app } = testAdminApp(db.sql);

    const pendingIds = async () =>
      (await db.direct<{ id: string }[]>`SELECT id FROM plugin_update_queue WHERE status = 'pending'`).map(
        (r) => r.id,
      );
    const statuses: number[] = [];
    const decide = async (i: number) => {
      const ids = await pendingIds();
      const id = ids[(i * 7) % Math.max(1, ids.length)];
      if (!id) return;
      const action = i % 3 === 0 ? "dismiss" : "apply";
      const res = await app.request(`/admin/plugin-updates/${id}/${action}`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      statuses.push(res.status);
    };
    // Upstream moves a third of the repositories again while all this runs.
    const moves = async () => {
      for (let i = 0; i < n; i += 3) {
        sim.world.commit(`race/r${i}`, "main");
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await Promise.all([
      ...Array.from({ length: 150 }, (_, i) => decide(i)),
      sweep(),
      sweep(),
      sweep(),
      moves(),
    ]);
    const fiveHundreds = statuses.filter((s) => s >= 500).length;
    record5xx(fiveHundreds);
    expect(fiveHundreds).toBe(0);
    expect(
      statuses.every((s) => [200, 404, 409].includes(s)),
      statuses.join(","),
    ).toBe(true);

    // Valid: an applied update installed exactly its approved commit (the last one applied per plugin).
    const applied = await db.direct<{ plugin_name: string; latest_sha: string; installed_sha: string }[]>`
      SELECT DISTINCT ON (q.workspace_id, q.plugin_name) q.plugin_name, q.latest_sha, p.installed_sha
      FROM plugin_update_queue q JOIN workspace_plugins p USING (workspace_id, plugin_name)
      WHERE q.status = 'applied' ORDER BY q.workspace_id, q.plugin_name, q.decided_at DESC NULLS LAST`;
    for (const a of applied) expect(a.installed_sha, a.plugin_name).toBe(a.latest_sha);

    // Every repository moves once more, so each plugin has one drift no decision has seen (independent of how
    // dismissals hold); the sweep after the storm must queue exactly those.
    const heads = new Map<string, string>();
    for (let i = 0; i < n; i++) heads.set(`race-${i}`, sim.world.commit(`race/r${i}`, "main"));
    expect((await sweep()).status).toBe("completed");
    const plugins = await db.direct<{ workspace_id: string; plugin_name: string; installed_sha: string }[]>`
      SELECT workspace_id, plugin_name, installed_sha FROM workspace_plugins`;
    const expected = plugins.map((p) => ({
      ...p,
      current_sha: p.installed_sha,
      latest_sha: heads.get(p.plugin_name) as string,
    }));
    await expectExactQueue(db.direct, expected);
    recordScenario({ faults: statuses.length + 3, expected: expected.length });
  });
});
