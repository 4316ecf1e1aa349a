import { randomUUID } from "node:crypto";
import { createAdminApp } from "@drift/api";
import { PLUGIN_UPDATE_ROLLED_BACK } from "@drift/core";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, recordingNotifier } from "../support/api";
import { dbLabel } from "../support/db";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();

function app() {
  const notifier = recordingNotifier();
  const decisions: string[] = [];
  const admin = createAdminApp({
    sql: env.db.sql,
    auth: { mode: "bearer", token: ADMIN_TOKEN },
    corsOrigins: [],
    notifier,
    onDecision: (d) => decisions.push(d),
  });
  const post = (path: string, body?: unknown) =>
    call(admin, "POST", path, {
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
  return { post, notifier, decisions };
}

const rows = (plugin: string) =>
  env.db.sql<
    { id: string; status: string; current_sha: string; latest_sha: string; decided_by: string | null }[]
  >`
    SELECT id, status, current_sha, latest_sha, decided_by FROM plugin_update_queue
    WHERE plugin_name = ${plugin} ORDER BY created_at, id`;
const installedOf = async (plugin: string) =>
  (
    await env.db.sql<{ installed_sha: string }[]>`
    SELECT installed_sha FROM workspace_plugins WHERE plugin_name = ${plugin}`
  )[0]?.installed_sha;

/** A plugin on v1.0.0 of `repo` following tag:latest, with v1.1.0 published and swept: one pending row. */
async function drifted(repo: string, plugin: string) {
  const w = env.sim.world;
  w.createRepo(repo);
  const v1 = w.tag(repo, "v1.0.0").commit;
  w.commit(repo);
  const v11 = w.tag(repo, "v1.1.0").commit;
  await insertPlugins(env.db.sql, [
    {
      workspace_id: randomUUID(),
      plugin_name: plugin,
      source_raw: `github://${repo}`,
      tracked_ref: "tag:latest",
      installed_sha: v1,
    },
  ]);
  await sweep(env.db.sql, env.sim);
  const [row] = await rows(plugin);
  return { v1, v11, id: row?.id as string };
}

describe(`rollback (${dbLabel})`, () => {
  it("puts the previous commit back, holds that drift across sweeps, and yields to a newer upstream commit", async () => {
    const { v1, v11, id } = await drifted("rb/lint", "lint");
    const { post, notifier, decisions } = app();
    expect((await post(`/admin/plugin-updates/${id}/apply`)).status).toBe(200);
    expect(await installedOf("lint")).toBe(v11);

    const res = await post(`/admin/plugin-updates/${id}/rollback`, { reason: "crashes on start" });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: "rolled_back", id, installed_sha: v11, previous_sha: v1 });
    expect(await installedOf("lint")).toBe(v1);
    const [row] = await env.db
      .sql`SELECT status, decided_by, decision_reason, hold_until FROM plugin_update_queue WHERE id = ${id}`;
    expect(row).toEqual({
      status: "rolled_back",
      decided_by: "token",
      decision_reason: "crashes on start",
      hold_until: null,
    });
    const event = notifier.events.find((e) => e.type === PLUGIN_UPDATE_ROLLED_BACK);
    expect(event?.detail).toMatchObject({ queue_id: id, from_sha: v11, to_sha: v1, plugin_name: "lint" });
    expect(decisions).toEqual(["applied", "rolled_back"]);

    // Again: idempotent, no second event.
    const again = await post(`/admin/plugin-updates/${id}/rollback`);
    expect(again.json()).toMatchObject({ status: "already_rolled_back" });
    expect(notifier.events.filter((e) => e.type === PLUGIN_UPDATE_ROLLED_BACK)).toHaveLength(1);

    // The hold: the same commit is not queued again (no apply → rollback → re-queue loop).
    for (let i = 0; i < 2; i++) {
      const summary = await sweep(env.db.sql, env.sim);
      expect(summary.drift.new).toBe(0);
    }
    expect((await rows("lint")).map((r) => r.status)).toEqual(["rolled_back"]);

    // Upstream moves on: the newer commit is queued as usual.
    env.sim.world.commit("rb/lint");
    const v12 = env.sim.world.tag("rb/lint", "v1.2.0").commit;
    expect((await sweep(env.db.sql, env.sim)).drift.new).toBe(1);
    const pending = (await rows("lint")).filter((r) => r.status === "pending");
    expect(pending.map((r) => [r.current_sha, r.latest_sha])).toEqual([[v1, v12]]);
  });

  it("refuses what it must, with the contract's codes, and changes nothing", async () => {
    const { id, v11 } = await drifted("rb/fmt", "fmt");
    const { post } = app();
    const before = await env.db.sql`SELECT * FROM plugin_update_queue ORDER BY id`;
    expect((await post(`/admin/plugin-updates/${id}/rollback`)).json().error.code).toBe("update_pending");
    expect((await post(`/admin/plugin-updates/${randomUUID()}/rollback`)).status).toBe(404);
    expect((await post("/admin/plugin-updates/not-a-uuid/rollback")).status).toBe(400);
    expect((await post(`/admin/plugin-updates/${id}/rollback`, { reason: "x".repeat(501) })).status).toBe(
      400,
    );
    expect(await env.db.sql`SELECT * FROM plugin_update_queue ORDER BY id`).toEqual(before);

    // The plugin moved on since the apply: 409 moved_since, nothing changed.
    await post(`/admin/plugin-updates/${id}/apply`);
    const other = env.sim.world.commit("rb/fmt");
    await env.db.sql`UPDATE workspace_plugins SET installed_sha = ${other} WHERE plugin_name = 'fmt'`;
    const moved = await post(`/admin/plugin-updates/${id}/rollback`);
    expect(moved.status).toBe(409);
    expect(moved.json().error.code).toBe("moved_since");
    expect(await installedOf("fmt")).toBe(other);
    expect((await rows("fmt"))[0]?.status).toBe("applied");
    expect(v11).not.toBe(other);
  });

  it("bulk rollback decides each id as the single route does", async () => {
    const a = await drifted("rb/a", "a");
    const b = await drifted("rb/b", "b");
    const { post, notifier } = app();
    await post("/admin/plugin-updates/bulk", { action: "apply", ids: [a.id] });
    const res = await post("/admin/plugin-updates/bulk", { action: "rollback", ids: [a.id, b.id] });
    expect(res.status).toBe(200);
    expect(res.json().results).toEqual([
      { id: a.id, status: "rolled_back" },
      { id: b.id, error: { code: "update_pending", message: expect.any(String) } },
    ]);
    expect(await installedOf("a")).toBe(a.v1);
    expect(notifier.events.map((e) => e.type)).toEqual(["plugin.update.applied", PLUGIN_UPDATE_ROLLED_BACK]);
  });
});
