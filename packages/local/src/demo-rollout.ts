import { randomUUID } from "node:crypto";
import { createAdminApp } from "@drift/api";
import { type Log, type Notifier, type Resolver, tickRollouts } from "@drift/core";
import type { Sql } from "@drift/db";
import type { World } from "@drift/github-sim";
import { localRolloutDeps } from "./rollout-deps";
import { rolloutDetail } from "./rollout-format";
import { runLocalSweep } from "./runner";

const TOKEN = "demo-admin-token";
const REPO = "acme/fleet-agent";

/**
 * The demo's safe delivery: 41 workspaces follow acme/fleet-agent; v2.1.0 is delivered in three waves (1, 10%,
 * the rest) with a 10-minute soak, through the admin API. The demo moves its own clock past the soak (nothing
 * waits), a workspace of wave 2 reports the new version failing, the rollout halts and rolls back what it
 * applied, and the next sweep keeps that version out. Returns the rollout's id.
 */
export async function demoRollout(
  sql: Sql,
  world: World,
  resolver: Resolver,
  log: Log,
  out: (line?: string) => void,
): Promise<string | null> {
  world.createRepo(REPO);
  const v2 = world.tag(REPO, "v2.0.0").commit;
  const workspaces = Array.from({ length: 41 }, () => randomUUID());
  await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
    SELECT ws, 'fleet-agent', ${`github://${REPO}`}, 'tag:latest', ${v2} FROM unnest(${workspaces}::uuid[]) AS ws`;
  world.commit(REPO, "main", "agent 2.1");
  world.tag(REPO, "v2.1.0");
  await runLocalSweep({ sql, resolver, log });
  const ids = (
    await sql<{ id: string }[]>`SELECT id FROM plugin_update_queue
      WHERE plugin_name = 'fleet-agent' AND status = 'pending' ORDER BY workspace_id`
  ).map((r) => r.id);

  let now = Date.now();
  const clock = () => new Date(now);
  const events: string[] = [];
  const notifier: Notifier = { publish: async (e) => void events.push(e.type) };
  const app = createAdminApp({
    sql,
    auth: { mode: "bearer", token: TOKEN },
    corsOrigins: [],
    notifier,
    now: clock,
  });
  const post = async (path: string, body: object) => {
    const res = await app.request(path, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { id?: string; waves?: unknown[] } };
  };
  out(`-- safe delivery: fleet-agent v2.0.0 -> v2.1.0 for ${ids.length} workspaces, in 3 waves --`);
  const waves = [{ size: 1, soak: "10m" }, { size: "10%", soak: "10m" }, { size: "rest" }];
  const started = await post("/admin/rollouts", { ids, waves, rollback_on_halt: true, reason: "demo" });
  const id = started.body.id;
  out(`  POST /admin/rollouts {waves: 1, 10%, rest; soak 10m} -> ${started.status}`);
  if (!id) return null;
  const deps = localRolloutDeps(sql, log, clock);
  const show = async () => {
    const view = await deps.store.get(id, clock());
    if (view) for (const line of rolloutDetail(view).trimEnd().split("\n")) out(`  ${line}`);
  };
  await show();
  now += 10 * 60_000;
  await tickRollouts(deps);
  out("  10 minutes later (the demo's clock; drift rollout tick, or every 5 min in AWS): wave 2");
  const [failing] = await sql<{ workspace_id: string }[]>`
    SELECT workspace_id FROM drift_rollout_rows WHERE rollout_id = ${id} AND wave = 1 ORDER BY position LIMIT 1`;
  const report = await post(`/admin/rollouts/${id}/reports`, {
    workspace_id: failing?.workspace_id,
    plugin_name: "fleet-agent",
    ok: false,
    detail: "agent crash-loops after the update",
  });
  out(`  a wave-2 workspace reports ok:false -> ${report.status}; the rollout halts and rolls back:`);
  await show();
  const again = await runLocalSweep({ sql, resolver, log });
  out(
    `  next sweep: ${again.drift.new} new drift (the rolled-back version is held until upstream moves on); events: ${[...new Set(events)].join(", ")}`,
  );
  out();
  return id;
}
