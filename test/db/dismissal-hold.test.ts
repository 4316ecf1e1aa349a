import { randomUUID } from "node:crypto";
import { migrate } from "@drift/db";
import { applyDrift } from "@drift/db/internal/sweep/drift-store";
import { describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { decideIn } from "../support/decisions";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertFollows, insertPlugins, mapAll, sha } from "../support/seed";

const env = useSweepEnvironment();

const rowsOf = (plugin: string) =>
  env.db.sql<
    { id: string; status: string; current_sha: string; latest_sha: string; hold_until: Date | null }[]
  >`
    SELECT id, status, current_sha, latest_sha, hold_until FROM plugin_update_queue
    WHERE plugin_name = ${plugin} ORDER BY created_at, id`;

const pendingOf = async (plugin: string) => (await rowsOf(plugin)).filter((r) => r.status === "pending");

describe(`a dismissal holds (${dbLabel})`, () => {
  it("holds across 3 sweeps for that drift only, and yields to a new upstream SHA", async () => {
    const w = env.sim.world;
    w.createRepo("hold/lint");
    const v1 = w.tag("hold/lint", "v1.0.0").commit;
    w.commit("hold/lint");
    const v11 = w.tag("hold/lint", "v1.1.0").commit;
    const [a, b] = [randomUUID(), randomUUID()];
    for (const ws of [a, b])
      await insertPlugins(env.db.sql, [
        {
          workspace_id: ws,
          plugin_name: "lint",
          source_raw: "github://hold/lint",
          tracked_ref: "tag:latest",
          installed_sha: v1,
        },
      ]);
    await sweep(env.db.sql, env.sim);
    const first = await env.db.sql<{ id: string; workspace_id: string }[]>`
      SELECT id, workspace_id FROM plugin_update_queue WHERE status = 'pending'`;
    expect(first).toHaveLength(2);
    const dismissed = first.find((r) => r.workspace_id === a);
    expect(await decideIn(env.db.sql, dismissed?.id as string, "dismiss")).toMatchObject({
      kind: "dismissed",
    });

    for (let i = 0; i < 3; i++) {
      const summary = await sweep(env.db.sql, env.sim);
      expect(summary.status).toBe("completed");
      expect(summary.drift.new).toBe(0);
    }
    const held = await env.db.sql<{ workspace_id: string; status: string; latest_sha: string }[]>`
      SELECT workspace_id, status, latest_sha FROM plugin_update_queue ORDER BY workspace_id = ${a} DESC, created_at`;
    expect(held).toEqual([
      { workspace_id: a, status: "dismissed", latest_sha: v11 },
      { workspace_id: b, status: "pending", latest_sha: v11 },
    ]);

    // Upstream moves on: a new drift for the dismissed workspace, the other one is refreshed.
    w.commit("hold/lint");
    const v12 = w.tag("hold/lint", "v1.2.0").commit;
    const moved = await sweep(env.db.sql, env.sim);
    expect(moved.drift).toMatchObject({ new: 1, refreshed: 1 });
    const after = await env.db.sql<{ workspace_id: string; status: string; latest_sha: string }[]>`
      SELECT workspace_id, status, latest_sha FROM plugin_update_queue WHERE status = 'pending' ORDER BY workspace_id = ${a} DESC`;
    expect(after).toEqual([
      { workspace_id: a, status: "pending", latest_sha: v12 },
      { workspace_id: b, status: "pending", latest_sha: v12 },
    ]);
  });

  it("yields to a change of installed_sha, and to `until` once it has passed", async () => {
    const w = env.sim.world;
    w.createRepo("hold/fmt");
    const v1 = w.tag("hold/fmt", "v1.0.0").commit;
    w.commit("hold/fmt");
    const v2 = w.tag("hold/fmt", "v2.0.0").commit;
    w.commit("hold/fmt");
    const v0 = w.tag("hold/fmt", "v0.9.0").commit;
    const ws = randomUUID();
    await insertFollows(env.db.sql, ws, [
      ["fmt", "hold/fmt", "tag:latest", v1],
      ["until", "hold/fmt", "tag:latest", v1],
    ]);
    await sweep(env.db.sql, env.sim);
    for (const plugin of ["fmt", "until"]) {
      const [row] = await pendingOf(plugin);
      await decideIn(env.db.sql, row?.id as string, "dismiss");
    }
    // `until` in the future holds; the same row with `until` passed does not.
    await env.db
      .sql`UPDATE plugin_update_queue SET hold_until = now() + interval '1 hour' WHERE plugin_name = 'until'`;
    await sweep(env.db.sql, env.sim);
    expect(await pendingOf("until")).toEqual([]);
    // A hold that runs out while nothing moves upstream: the sweep compares only what can have changed, and a
    // hold that ran out since the target's last resolution is such a change.
    // 2 s: long enough that the next sweep still sees the hold on a loaded machine; then wait until it passed.
    const [hold] = await env.db.sql<{ until: Date }[]>`
      UPDATE plugin_update_queue SET hold_until = now() + interval '2 seconds' WHERE plugin_name = 'until'
      RETURNING hold_until AS until`;
    const held = await sweep(env.db.sql, env.sim);
    expect(held.drift.new).toBe(0);
    expect(await pendingOf("until")).toEqual([]);
    await new Promise((r) => setTimeout(r, Math.max(0, (hold?.until.getTime() ?? 0) - Date.now()) + 50));
    const expired = await sweep(env.db.sql, env.sim);
    expect(expired.drift).toMatchObject({ new: 1 });
    expect((await pendingOf("until")).map((r) => r.latest_sha)).toEqual([v2]);

    // The platform installs another commit: that is another drift, queued as usual.
    expect(await pendingOf("fmt")).toEqual([]);
    await env.db.sql`UPDATE workspace_plugins SET installed_sha = ${v0} WHERE plugin_name = 'fmt'`;
    await sweep(env.db.sql, env.sim);
    expect((await pendingOf("fmt")).map((r) => [r.current_sha, r.latest_sha])).toEqual([[v0, v2]]);
  });

  it("a pending row whose upstream returns to a dismissed commit is superseded, not refreshed into it", async () => {
    const KEY = "github:github/acme/back#branch:main";
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "back",
        source_raw: "github://acme/back",
        tracked_ref: "branch:main",
        installed_sha: sha("a"),
      },
    ]);
    await mapAll(env.db.sql);
    await applyDrift(env.db.sql, [{ key: KEY, sha: sha("b") }]);
    const [first] = await pendingOf("back");
    await decideIn(env.db.sql, first?.id as string, "dismiss");
    expect(await applyDrift(env.db.sql, [{ key: KEY, sha: sha("c") }])).toMatchObject({ new: 1 });
    // Back to the dismissed drift: the open row for "c" is no longer true, and "b" stays dismissed.
    expect(await applyDrift(env.db.sql, [{ key: KEY, sha: sha("b") }])).toMatchObject({
      new: 0,
      superseded: 1,
    });
    expect((await rowsOf("back")).map((r) => [r.status, r.latest_sha])).toEqual([
      ["dismissed", sha("b")],
      ["superseded", sha("c")],
    ]);
    // Abbreviated or upper-case installed SHAs are the same drift.
    await env.db.sql`UPDATE workspace_plugins SET installed_sha = ${sha("a").slice(0, 9).toUpperCase()}`;
    await mapAll(env.db.sql);
    await env.db
      .sql`UPDATE plugin_update_queue SET current_sha = ${sha("a").slice(0, 9).toUpperCase()} WHERE status = 'dismissed'`;
    expect(await applyDrift(env.db.sql, [{ key: KEY, sha: sha("b").toUpperCase() }])).toMatchObject({
      new: 0,
    });
  });

  it("migrating an old database dismisses the pending rows the old sweeper re-opened after a dismissal", async () => {
    const ws = randomUUID();
    const [cur, next] = [sha("cur"), sha("next")];
    await env.db
      .sql`INSERT INTO plugin_update_queue (workspace_id, plugin_name, tracked_ref, current_sha, latest_sha, status)
      VALUES (${ws}, 'old', 'tag:latest', ${cur}, ${next}, 'dismissed'),
             (${ws}, 'old', 'tag:latest', ${cur}, ${next}, 'pending'),
             (${ws}, 'other', 'tag:latest', ${cur}, ${next}, 'pending')`;
    await env.db.sql`DELETE FROM drift_migrations WHERE id = '009_decisions'`;
    await migrate(env.db.sql);
    await migrate(env.db.sql);
    const rows = await env.db.sql<{ plugin_name: string; status: string; decided_by: string | null }[]>`
      SELECT plugin_name, status, decided_by FROM plugin_update_queue ORDER BY plugin_name, decided_by NULLS FIRST`;
    expect(rows).toEqual([
      { plugin_name: "old", status: "dismissed", decided_by: null },
      { plugin_name: "old", status: "dismissed", decided_by: "migration" },
      { plugin_name: "other", status: "pending", decided_by: null },
    ]);
  });
});
