import { randomUUID } from "node:crypto";
import { tickRollouts } from "@drift/core";
import { putPolicy } from "@drift/db";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { fakeClock, MINUTE, rolloutDeps } from "../support/rollouts";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();
beforeEach(async () => {
  await env.db
    .sql`TRUNCATE drift_rollouts, drift_rollout_waves, drift_rollout_rows, drift_event_outbox CASCADE`;
});

const statuses = async () =>
  Object.fromEntries(
    (
      await env.db.sql<{ status: string; n: number }[]>`
        SELECT status, count(*)::int AS n FROM plugin_update_queue GROUP BY status`
    ).map((r) => [r.status, r.n]),
  );

describe(`a policy delivers through a rollout (${dbLabel})`, () => {
  it("a patch reaches 41 workspaces in the policy's waves, never all at once, and a halt is not restarted", async () => {
    const w = env.sim.world;
    w.createRepo("pr/lint");
    const v1 = w.tag("pr/lint", "v1.4.0").commit;
    await insertPlugins(
      env.db.sql,
      Array.from({ length: 41 }, () => ({
        workspace_id: randomUUID(),
        plugin_name: "lint",
        source_raw: "github://pr/lint",
        tracked_ref: "tag:latest",
        installed_sha: v1,
      })),
    );
    const saved = await putPolicy(
      env.db.sql,
      {
        auto_apply: "patch",
        rollout: { waves: [{ size: 1, soak: "1h" }, { size: "10%", soak: "1h" }, { size: "rest" }] },
      },
      "cli",
    );
    expect(saved).toMatchObject({ kind: "saved", policy: { rollout: { waves: expect.any(Array) } } });
    w.commit("pr/lint");
    w.tag("pr/lint", "v1.4.1");
    const clock = fakeClock(new Date());
    const first = await sweep(env.db.sql, env.sim, { now: clock.now });
    expect(first.status).toBe("completed");
    expect(await statuses()).toEqual({ applied: 1, pending: 40 });
    const [rollout] = await env.db.sql`SELECT id, created_by, status FROM drift_rollouts`;
    expect(rollout?.created_by).toBe(`policy:${saved.kind === "saved" ? saved.policy.id : ""}`);

    // Sweeps meanwhile apply nothing more: the rows wait in the rollout.
    clock.advance(30 * MINUTE);
    await sweep(env.db.sql, env.sim, { now: clock.now });
    expect(await statuses()).toEqual({ applied: 1, pending: 40 });

    const t = rolloutDeps(env.db.sql, clock);
    clock.advance(30 * MINUTE);
    await tickRollouts(t.deps);
    expect(await statuses()).toEqual({ applied: 5, pending: 36 });
    const decided = await env.db
      .sql`SELECT DISTINCT decided_by FROM plugin_update_queue WHERE status = 'applied'`;
    expect(decided).toEqual([{ decided_by: `rollout:${rollout?.id}` }]);

    // A failing report halts it; the next sweeps do not start it again for the same commit.
    const [bad] = await env.db.sql<{ workspace_id: string }[]>`
      SELECT workspace_id FROM plugin_update_queue WHERE status = 'applied' LIMIT 1`;
    await t.deps.store.report(
      rollout?.id,
      { workspace_id: bad?.workspace_id as string, plugin_name: "lint", ok: false },
      clock.now(),
    );
    await tickRollouts(t.deps);
    expect((await t.deps.store.get(rollout?.id, clock.now()))?.status).toBe("halted");
    clock.advance(120 * MINUTE);
    await sweep(env.db.sql, env.sim, { now: clock.now });
    await tickRollouts(t.deps);
    expect(await statuses()).toEqual({ applied: 5, pending: 36 });
    expect(await env.db.sql`SELECT count(*)::int AS n FROM drift_rollouts`).toEqual([{ n: 1 }]);
  });
});
