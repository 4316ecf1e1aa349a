import { advanceRollout, controlRollout, reportRolloutHealth, startRollout, tickRollouts } from "@drift/core";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { decideIn } from "../support/decisions";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { givenGroup, MINUTE, rolloutDeps } from "../support/rollouts";

const env = useSweepEnvironment();
beforeEach(async () => {
  await env.db
    .sql`TRUNCATE drift_rollouts, drift_rollout_waves, drift_rollout_rows, drift_event_outbox CASCADE`;
});

const WAVES = [
  { size: 1, soak: "30m" },
  { size: "10%", soak: "1h" },
  { size: "rest", soak: "0" },
];

const statuses = async (plugin = "lint") =>
  Object.fromEntries(
    (
      await env.db.sql<{ status: string; n: number }[]>`
        SELECT status, count(*)::int AS n FROM plugin_update_queue WHERE plugin_name = ${plugin} GROUP BY status`
    ).map((r) => [r.status, r.n]),
  );
const outbox = async () =>
  Object.fromEntries(
    (
      await env.db.sql<{ event_type: string; n: number }[]>`
        SELECT event_type, count(*)::int AS n FROM drift_event_outbox GROUP BY event_type`
    ).map((r) => [r.event_type, r.n]),
  );

async function start(
  ids: string[],
  extra: { rollbackOnHalt?: boolean; maxFailures?: number; waves?: object[] } = {},
) {
  const t = rolloutDeps(env.db.sql);
  const created = await startRollout(t.deps, {
    ids,
    waves: (extra.waves ?? WAVES) as typeof WAVES,
    maxFailures: extra.maxFailures ?? 0,
    rollbackOnHalt: extra.rollbackOnHalt ?? false,
    reason: "test",
    createdBy: "token",
  });
  if (created.kind !== "created") throw new Error(`not created: ${created.message}`);
  return { ...t, id: created.id, created };
}

describe(`rollouts (${dbLabel}, fake clock)`, () => {
  it("41 rows in waves 1 / 10% / rest: 1, then 4, then 36, each only after its soak", async () => {
    const g = await givenGroup(env, "ro/waves", 41);
    const r = await start(g.ids);
    expect(r.created.rollout?.waves.map((w) => [w.rows, w.applied, w.status])).toEqual([
      [1, 1, "soaking"],
      [4, 0, "waiting"],
      [36, 0, "waiting"],
    ]);
    expect(await statuses()).toEqual({ applied: 1, pending: 40 });
    r.clock.advance(29 * MINUTE);
    await tickRollouts(r.deps);
    expect(await statuses()).toEqual({ applied: 1, pending: 40 });
    r.clock.advance(MINUTE);
    await tickRollouts(r.deps);
    expect(await statuses()).toEqual({ applied: 5, pending: 36 });
    r.clock.advance(59 * MINUTE);
    expect((await tickRollouts(r.deps)).applied).toBe(0);
    r.clock.advance(MINUTE);
    await tickRollouts(r.deps);
    expect(await statuses()).toEqual({ applied: 41 });
    const view = await r.deps.store.get(r.id, r.clock.now());
    expect(view).toMatchObject({ status: "completed", latest_sha: g.v11, reports: { ok: 0, failed: 0 } });
    expect(view?.waves.map((w) => w.applied)).toEqual([1, 4, 36]);
    const decidedBy = await env.db
      .sql`SELECT DISTINCT decided_by FROM plugin_update_queue WHERE plugin_name = 'lint'`;
    expect(decidedBy).toEqual([{ decided_by: `rollout:${r.id}` }]);
    expect(await outbox()).toEqual({
      "plugin.update.applied": 41,
      "plugin.rollout.wave_started": 3,
      "plugin.rollout.completed": 1,
    });
    expect(r.notifier.events).toHaveLength(45);
    expect(r.counts.wavesStarted).toBe(3);
  });

  it("a failing report after wave 1 halts it with 40 pending; rollback_on_halt puts the row back and holds it", async () => {
    const g = await givenGroup(env, "ro/halt", 41);
    const r = await start(g.ids, { rollbackOnHalt: true });
    const [canary] = await env.db.sql<{ workspace_id: string }[]>`
      SELECT workspace_id FROM plugin_update_queue WHERE plugin_name = 'lint' AND status = 'applied'`;
    expect(
      await reportRolloutHealth(r.deps, r.id, {
        workspace_id: canary?.workspace_id as string,
        plugin_name: "lint",
        ok: false,
      }),
    ).toBe("recorded");
    const view = await r.deps.store.get(r.id, r.clock.now());
    expect(view).toMatchObject({ status: "halted", reports: { ok: 0, failed: 1 } });
    expect(view?.waves.map((w) => w.status)).toEqual(["done", "stopped", "stopped"]);
    expect(await statuses()).toEqual({ rolled_back: 1, pending: 40 });
    const [plugin] = await env.db
      .sql`SELECT installed_sha FROM workspace_plugins WHERE workspace_id = ${canary?.workspace_id as string}`;
    expect(plugin?.installed_sha).toBe(g.v1);
    expect(await outbox()).toMatchObject({ "plugin.rollout.halted": 1, "plugin.update.rolled_back": 1 });
    expect(r.counts).toEqual({ wavesStarted: 1, halted: 1, rolledBack: 1 });

    // Later ticks start nothing; the next sweep does not queue the same commit again for the rolled-back row.
    r.clock.advance(24 * 60 * MINUTE);
    expect((await tickRollouts(r.deps)).rollouts).toBe(0);
    expect((await sweep(env.db.sql, env.sim)).drift.new).toBe(0);
    expect(await statuses()).toEqual({ rolled_back: 1, pending: 40 });
    // A newer upstream commit is queued as usual, for it too.
    env.sim.world.commit("ro/halt");
    const v12 = env.sim.world.tag("ro/halt", "v1.2.0").commit;
    expect((await sweep(env.db.sql, env.sim)).drift).toMatchObject({ new: 1, refreshed: 40 });
    const [again] = await env.db.sql`SELECT current_sha, latest_sha FROM plugin_update_queue
      WHERE workspace_id = ${canary?.workspace_id as string} AND status = 'pending'`;
    expect(again).toEqual({ current_sha: g.v1, latest_sha: v12 });
  });

  it("without rollback_on_halt a halt keeps what was applied; max_failures tolerates that many", async () => {
    const g = await givenGroup(env, "ro/tolerate", 20);
    const r = await start(g.ids, { maxFailures: 1, waves: [{ size: 2, soak: "1h" }, { size: "rest" }] });
    const applied = await env.db.sql<{ workspace_id: string }[]>`
      SELECT workspace_id FROM plugin_update_queue WHERE plugin_name = 'lint' AND status = 'applied' ORDER BY workspace_id`;
    const report = (i: number, ok: boolean) =>
      reportRolloutHealth(r.deps, r.id, {
        workspace_id: applied[i]?.workspace_id as string,
        plugin_name: "lint",
        ok,
      });
    await report(0, true);
    await report(1, false);
    expect((await r.deps.store.get(r.id, r.clock.now()))?.status).toBe("running");
    expect(
      await reportRolloutHealth(r.deps, r.id, {
        workspace_id: g.workspaces[19] as string,
        plugin_name: "other",
        ok: false,
      }),
    ).toBe("not_in_rollout");
    await report(0, false);
    expect((await r.deps.store.get(r.id, r.clock.now()))?.status).toBe("halted");
    expect(await statuses()).toEqual({ applied: 2, pending: 18 });
  });

  it("a row refreshed to a newer commit, or decided by hand, leaves the rollout and is never applied by it", async () => {
    const g = await givenGroup(env, "ro/left", 10);
    const r = await start(g.ids, { waves: [{ size: 1, soak: "1h" }, { size: "rest" }] });
    const waiting = await env.db.sql<{ id: string }[]>`
      SELECT id FROM plugin_update_queue WHERE plugin_name = 'lint' AND status = 'pending' ORDER BY id`;
    await decideIn(env.db.sql, waiting[0]?.id as string, "dismiss", { decidedBy: "cli" });
    env.sim.world.commit("ro/left");
    const v12 = env.sim.world.tag("ro/left", "v1.2.0").commit;
    expect((await sweep(env.db.sql, env.sim)).drift.refreshed).toBe(8);
    const shown = await r.deps.store.get(r.id, r.clock.now());
    expect(shown?.waves.map((w) => w.left)).toEqual([0, 9]);
    r.clock.advance(60 * MINUTE);
    const tick = await tickRollouts(r.deps);
    expect(tick).toMatchObject({ applied: 0, left: 9, completed: true });
    // The newer commit is queued for every row, the applied and the dismissed one included.
    expect(await statuses()).toEqual({ applied: 1, dismissed: 1, pending: 10 });
    const pending = await env.db
      .sql`SELECT DISTINCT latest_sha FROM plugin_update_queue WHERE status = 'pending'`;
    expect(pending).toEqual([{ latest_sha: v12 }]);
  });

  it("pause holds the next wave, resume starts it at once, cancel stops the rest and leaves them pending", async () => {
    const g = await givenGroup(env, "ro/pause", 12);
    const r = await start(g.ids, {
      waves: [{ size: 2, soak: "10m" }, { size: 4, soak: "10m" }, { size: "rest" }],
    });
    expect(await controlRollout(r.deps, r.id, "pause", "cli")).toEqual({ kind: "done", status: "paused" });
    r.clock.advance(30 * MINUTE);
    await tickRollouts(r.deps);
    expect(await statuses()).toEqual({ applied: 2, pending: 10 });
    expect(await controlRollout(r.deps, r.id, "resume", "cli")).toEqual({ kind: "done", status: "running" });
    expect(await statuses()).toEqual({ applied: 6, pending: 6 });
    expect(await controlRollout(r.deps, r.id, "cancel", "cli")).toEqual({
      kind: "done",
      status: "cancelled",
    });
    r.clock.advance(30 * MINUTE);
    await tickRollouts(r.deps);
    expect(await statuses()).toEqual({ applied: 6, pending: 6 });
    expect(await controlRollout(r.deps, r.id, "resume", "cli")).toEqual({
      kind: "conflict",
      status: "cancelled",
    });
    const view = await r.deps.store.get(r.id, r.clock.now());
    expect(view?.waves.map((w) => w.status)).toEqual(["done", "done", "stopped"]);
    // Its rows are free again: another rollout may take them.
    const again = await startRollout(r.deps, {
      ids: g.ids.filter((_, i) => i >= 0),
      waves: [{ size: "rest" }],
      maxFailures: 0,
      rollbackOnHalt: false,
      reason: null,
      createdBy: "token",
    });
    expect(again).toMatchObject({ kind: "conflict", code: "not_pending" });
  });

  it("two concurrent ticks start a wave once, with one event per row", async () => {
    const g = await givenGroup(env, "ro/race", 30);
    const r = await start(g.ids, { waves: [{ size: 1, soak: "5m" }, { size: "rest" }] });
    r.clock.advance(5 * MINUTE);
    const [a, b] = await Promise.all([tickRollouts(r.deps), advanceRollout(r.deps, r.id)]);
    expect(a.wavesStarted + b.wavesStarted).toBe(1);
    expect(a.applied + b.applied).toBe(29);
    expect(await statuses()).toEqual({ applied: 30 });
    expect(await outbox()).toEqual({
      "plugin.update.applied": 30,
      "plugin.rollout.wave_started": 2,
      "plugin.rollout.completed": 1,
    });
  });
});
