/**
 * A plugin the platform re-points (another repository) or stops tracking while an update for it is pending: the
 * stale update is superseded by the next sweep and can never be applied meanwhile. (An edge case found in review.)
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { decideIn } from "../support/decisions";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertFollows } from "../support/seed";

const env = useSweepEnvironment();

describe(`plugins re-pointed under a pending update (${dbLabel})`, () => {
  it("a pending update of a plugin re-pointed or untracked is superseded, and never applied", async () => {
    for (const r of ["move/a", "move/b"]) env.sim.world.createRepo(r);
    const old = env.sim.world.revParse(env.sim.world.repo("move/a"), "refs/heads/main") as string;
    env.sim.world.commit("move/a", "main");
    const ws = randomUUID();
    await insertFollows(
      env.db.sql,
      ws,
      ["repointed", "untracked", "apply-race"].map(
        (plugin) => [plugin, "move/a", "branch:main", old] as const,
      ),
    );
    await sweep(env.db.sql, env.sim);
    const ids = Object.fromEntries(
      (await env.db.sql`SELECT plugin_name, id FROM plugin_update_queue WHERE status = 'pending'`).map(
        (r) => [r.plugin_name, r.id],
      ),
    );
    expect(Object.keys(ids).sort()).toEqual(["apply-race", "repointed", "untracked"]);

    // The platform re-points one plugin to another repository and stops tracking another.
    await env.db
      .sql`UPDATE workspace_plugins SET source_raw = 'github://move/b' WHERE plugin_name IN ('repointed', 'apply-race')`;
    await env.db.sql`UPDATE workspace_plugins SET tracked_ref = 'none' WHERE plugin_name = 'untracked'`;
    // Before any sweep notices, an operator tries to approve the stale update: refused.
    const refused = await decideIn(env.db.sql, ids["apply-race"], "apply");
    expect(refused).toMatchObject({ kind: "conflict", reason: "tracking_changed" });

    const next = await sweep(env.db.sql, env.sim);
    expect(next.drift.superseded).toBe(3);
    // The re-pointed plugins get a fresh update for what they follow now (move/b); the stale ones are history.
    expect(next.drift.new).toBe(2);
    const rows = await env.db
      .sql`SELECT plugin_name, status, source_raw FROM plugin_update_queue ORDER BY plugin_name, status`;
    expect(rows.map((r) => `${r.plugin_name}:${r.status}:${r.source_raw}`)).toEqual([
      "apply-race:pending:github://move/b",
      "apply-race:superseded:github://move/a",
      "repointed:pending:github://move/b",
      "repointed:superseded:github://move/a",
      "untracked:superseded:github://move/a",
    ]);
  });
});
