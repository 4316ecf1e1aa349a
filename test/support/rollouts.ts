import { randomUUID } from "node:crypto";
import { createRolloutDeps, type RolloutDeps } from "@drift/core";
import { createDecisionStore, createEventOutbox, createRolloutStore, type Sql } from "@drift/db";
import type { GitHubSim } from "@drift/github-sim";
import { recordingNotifier } from "./api";
import { sweep } from "./pipeline";
import { insertPlugins } from "./seed";

/** A clock the test moves by hand (no sleeps). */
export function fakeClock(start = new Date("2026-12-07T10:00:00Z")) {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

export const MINUTE = 60_000;

/** The rollout use cases' dependencies over a test database, with a fake clock and a recording notifier. */
export function rolloutDeps(sql: Sql, clock = fakeClock()) {
  const notifier = recordingNotifier();
  const counts = { wavesStarted: 0, halted: 0, rolledBack: 0 };
  const deps: RolloutDeps = createRolloutDeps({
    rollouts: createRolloutStore(sql),
    decisions: createDecisionStore(sql),
    outbox: createEventOutbox(sql),
    notifier,
    now: clock.now,
    observer: {
      wavesStarted: (n) => {
        counts.wavesStarted += n;
      },
      halted: (n) => {
        counts.halted += n;
      },
      rolledBack: (n) => {
        counts.rolledBack += n;
      },
    },
  });
  return { deps, clock, notifier, counts };
}

/**
 * `n` workspaces follow `repo` (tag:latest) on v1.0.0; v1.1.0 is published and swept: n pending rows of one drift.
 * Returns the commits and the pending ids in workspace order.
 */
export async function givenGroup(
  env: { db: { sql: Sql }; sim: GitHubSim },
  repo: string,
  n: number,
  plugin = "lint",
) {
  const w = env.sim.world;
  w.createRepo(repo);
  const v1 = w.tag(repo, "v1.0.0").commit;
  w.commit(repo);
  const v11 = w.tag(repo, "v1.1.0").commit;
  await insertPlugins(
    env.db.sql,
    Array.from({ length: n }, () => ({
      workspace_id: randomUUID(),
      plugin_name: plugin,
      source_raw: `github://${repo}`,
      tracked_ref: "tag:latest",
      installed_sha: v1,
    })),
  );
  await sweep(env.db.sql, env.sim);
  const rows = await env.db.sql<{ id: string; workspace_id: string }[]>`
    SELECT id, workspace_id FROM plugin_update_queue WHERE plugin_name = ${plugin} AND status = 'pending'
    ORDER BY workspace_id`;
  return { v1, v11, ids: rows.map((r) => r.id), workspaces: rows.map((r) => r.workspace_id) };
}
