import { randomUUID } from "node:crypto";
import { LocalQueue } from "@drift/local";
import { describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { queueSnapshot, simResolver, sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();

/** A world with every ref kind; returns the commits the plugins were installed at. */
function buildWorld(prefix: string) {
  const w = env.sim.world;
  const repo = `${prefix}/plugin`;
  w.createRepo(repo);
  const v100 = w.tag(repo, "v1.0.0", { annotated: true, nesting: 1 }).commit;
  w.commit(repo, "main");
  const v110 = w.tag(repo, "v1.1.0").commit;
  const mainOld = w.revParse(w.repo(repo), "refs/heads/main") as string;
  w.createRepo(`${prefix}/gone`);
  w.tag(`${prefix}/gone`, "v1.0.0");
  const goneSha = w.revParse(w.repo(`${prefix}/gone`), "refs/tags/v1.0.0") as string;
  w.createRepo(`${prefix}/gitea-tool`);
  const g1 = w.tag(`${prefix}/gitea-tool`, "v3.0.0").commit;
  return { repo, v100, v110, mainOld, goneSha, g1 };
}

describe(`sweep pipeline end to end (${dbLabel})`, () => {
  it("a world with every ref kind ends with exactly the expected pending, refreshed and superseded rows", async () => {
    const p = "e2e1";
    const s = buildWorld(p);
    const ws = [randomUUID(), randomUUID(), randomUUID()];
    const src = `github://${s.repo}`;
    await insertPlugins(env.db.sql, [
      // Three workspaces follow the same target: one lookup, three rows.
      ...ws.map((w) => ({
        workspace_id: w,
        plugin_name: "latest",
        source_raw: src,
        tracked_ref: "tag:latest",
        installed_sha: s.v100,
      })),
      {
        workspace_id: ws[0],
        plugin_name: "semver",
        source_raw: src,
        tracked_ref: "semver:^1.0",
        installed_sha: s.v110,
      },
      {
        workspace_id: ws[0],
        plugin_name: "tag",
        source_raw: `https://github.com/${s.repo}.git`,
        tracked_ref: "tag:v1.0.0",
        installed_sha: s.v100.slice(0, 7),
      },
      {
        workspace_id: ws[0],
        plugin_name: "branch",
        source_raw: src,
        tracked_ref: "branch:main",
        installed_sha: s.v100,
      },
      {
        workspace_id: ws[0],
        plugin_name: "ref",
        source_raw: src,
        tracked_ref: "ref:main",
        installed_sha: s.mainOld.toUpperCase(),
      },
      {
        workspace_id: ws[0],
        plugin_name: "pin",
        source_raw: src,
        tracked_ref: `sha:${s.v110}`,
        installed_sha: s.v100,
      },
      {
        workspace_id: ws[0],
        plugin_name: "missing-ref",
        source_raw: src,
        tracked_ref: "tag:v9.9.9",
        installed_sha: s.v100,
      },
      {
        workspace_id: ws[0],
        plugin_name: "gone",
        source_raw: `github://${p}/gone`,
        tracked_ref: "tag:v1.0.0",
        installed_sha: s.goneSha,
      },
      {
        workspace_id: ws[0],
        plugin_name: "gitea",
        source_raw: `gitea://${env.sim.host}/${p}/gitea-tool`,
        tracked_ref: "tag:latest",
        installed_sha: s.g1,
      },
      {
        workspace_id: ws[0],
        plugin_name: "local",
        source_raw: "local://x",
        tracked_ref: "tag:latest",
        installed_sha: s.v100,
      },
      {
        workspace_id: ws[0],
        plugin_name: "unknown-sha",
        source_raw: src,
        tracked_ref: "tag:latest",
        installed_sha: null,
      },
    ]);
    // Upstream moves: a new release, a commit on main, the Gitea tool releases, a repository disappears.
    env.sim.world.commit(s.repo, "main");
    const v120 = env.sim.world.tag(s.repo, "v1.2.0", { annotated: true }).commit;
    env.sim.world.tag(s.repo, "v2.0.0-rc.1");
    const mainNew = env.sim.world.revParse(env.sim.world.repo(s.repo), "refs/heads/main") as string;
    const g2 = env.sim.world.tag(`${p}/gitea-tool`, "v3.1.0", {
      target: env.sim.world.commit(`${p}/gitea-tool`, "main"),
    }).commit;
    env.sim.world.deleteRepo(`${p}/gone`);

    const first = await sweep(env.db.sql, env.sim);
    expect(first.status).toBe("completed");
    expect(first.rows).toEqual({ scanned: 13, mapped: 13, skipped: 2, invalid: 0 });
    expect(first.targets).toMatchObject({ dispatched: 9, resolved: 7, failed: 2, deferred: 0 });
    expect(first.targets.failedByKind).toEqual({ not_found: 2 });
    const pending = await env.db
      .sql`SELECT workspace_id, plugin_name, current_sha, latest_sha, drift_kind, resolved_tag
      FROM plugin_update_queue WHERE status = 'pending' ORDER BY plugin_name, workspace_id`;
    const expected = [
      {
        plugin_name: "branch",
        current_sha: s.v100,
        latest_sha: mainNew,
        drift_kind: "ref_moved",
        resolved_tag: null,
      },
      {
        plugin_name: "gitea",
        current_sha: s.g1,
        latest_sha: g2,
        drift_kind: "new_version",
        resolved_tag: "v3.1.0",
      },
      ...[...ws].sort().map(() => ({
        plugin_name: "latest",
        current_sha: s.v100,
        latest_sha: v120,
        drift_kind: "new_version",
        resolved_tag: "v1.2.0",
      })),
      {
        plugin_name: "pin",
        current_sha: s.v100,
        latest_sha: s.v110,
        drift_kind: "pin_mismatch",
        resolved_tag: null,
      },
      {
        plugin_name: "ref",
        current_sha: s.mainOld.toUpperCase(),
        latest_sha: mainNew,
        drift_kind: "ref_moved",
        resolved_tag: null,
      },
      {
        plugin_name: "semver",
        current_sha: s.v110,
        latest_sha: v120,
        drift_kind: "new_version",
        resolved_tag: "v1.2.0",
      },
    ];
    expect(pending.map(({ workspace_id: _, ...r }) => r)).toEqual(expected);
    expect(first.drift).toEqual({ new: expected.length, refreshed: 0, superseded: 0 });
    expect(first.pendingUpdates).toBe(expected.length);

    // Second round: the tag is force-moved (suspicious), main moves again, and `pin`'s plugin is re-installed at the pin.
    const moved = env.sim.world.commit(s.repo, "main");
    env.sim.world.moveTag(s.repo, "v1.0.0", moved);
    await env.db.sql`UPDATE workspace_plugins SET installed_sha = ${s.v110} WHERE plugin_name = 'pin'`;
    const second = await sweep(env.db.sql, env.sim);
    expect(second.drift).toEqual({ new: 1, refreshed: 2, superseded: 1 });
    const rows = await env.db.sql`SELECT plugin_name, status, latest_sha, drift_kind FROM plugin_update_queue
      WHERE plugin_name IN ('tag', 'branch', 'ref', 'pin') ORDER BY plugin_name`;
    expect(rows).toEqual([
      { plugin_name: "branch", status: "pending", latest_sha: moved, drift_kind: "ref_moved" },
      { plugin_name: "pin", status: "superseded", latest_sha: s.v110, drift_kind: "pin_mismatch" },
      { plugin_name: "ref", status: "pending", latest_sha: moved, drift_kind: "ref_moved" },
      { plugin_name: "tag", status: "pending", latest_sha: moved, drift_kind: "tag_moved" },
    ]);
  });

  it("the same sweep run twice, and every message delivered three times, leave the queue unchanged", async () => {
    const s = buildWorld("e2e2");
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "a",
        source_raw: `github://${s.repo}`,
        tracked_ref: "branch:main",
        installed_sha: s.v100,
      },
      {
        plugin_name: "b",
        source_raw: `github://${s.repo}`,
        tracked_ref: "tag:latest",
        installed_sha: s.v100,
      },
    ]);
    await sweep(env.db.sql, env.sim);
    const before = await queueSnapshot(env.db.sql);
    expect(before).toHaveLength(2);
    await sweep(env.db.sql, env.sim);
    expect(await queueSnapshot(env.db.sql)).toEqual(before);
    // Every message delivered three times (as SQS may): nothing more changes.
    const triple = await sweep(env.db.sql, env.sim, { queue: { duplicateDeliveries: 3 } });
    expect(triple.messages.deliveries).toBe(triple.messages.sent * 3);
    expect(await queueSnapshot(env.db.sql)).toEqual(before);
  });

  it("two sweeps started at once fan out once", async () => {
    const s = buildWorld("e2e3");
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "a",
        source_raw: `github://${s.repo}`,
        tracked_ref: "branch:main",
        installed_sha: s.v100,
      },
    ]);
    const [a, b] = await Promise.all([
      sweep(env.db.sql, env.sim, { dispatch: { minIntervalMs: 60_000 } }),
      sweep(env.db.sql, env.sim, { dispatch: { minIntervalMs: 60_000 } }),
    ]);
    expect([a.status, b.status].sort()).toEqual(["completed", "skipped"]);
    const [{ sweeps, messages }] = (await env.db
      .sql`SELECT (SELECT count(*)::int FROM drift_sweeps) AS sweeps,
      (SELECT count(*)::int FROM drift_sweep_messages) AS messages`) as unknown as [
      { sweeps: number; messages: number },
    ];
    expect(sweeps).toBe(1);
    expect(messages).toBe(1);
    // A duplicate schedule event a moment later is a no-op too.
    expect((await sweep(env.db.sql, env.sim, { dispatch: { minIntervalMs: 60_000 } })).status).toBe(
      "skipped",
    );
  });

  it("a transient failure of one message is retried, and the others are not", async () => {
    const flaky = "e2e4/flaky";
    const steady = "e2e4/steady";
    for (const r of [flaky, steady]) {
      env.sim.world.createRepo(r);
      env.sim.world.tag(r, "v1.0.0");
    }
    const old = env.sim.world.revParse(env.sim.world.repo(steady), "refs/heads/main") as string;
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "f",
        source_raw: `gitea://${env.sim.host}/${flaky}`,
        tracked_ref: "tag:v1.0.0",
        installed_sha: "abcdef1",
      },
      {
        plugin_name: "s",
        source_raw: `gitea://${env.sim.host}/${steady}`,
        tracked_ref: "tag:v1.0.0",
        installed_sha: old.slice(0, 8),
      },
    ]);
    env.sim.resetCounters();
    const fault = env.sim.faults.add({
      kind: "status",
      status: 502,
      times: 1,
      scope: "gitea",
      pathIncludes: "/e2e4/flaky/",
    });
    const result = await sweep(env.db.sql, env.sim, { dispatch: { reposPerMessage: 1 } });
    env.sim.faults.remove(fault);
    expect(result.status).toBe("completed");
    expect(result.messages).toEqual({ sent: 2, deliveries: 3, deadLettered: 0 });
    expect(result.targets).toMatchObject({ resolved: 2, failed: 0 });
    const steadyCalls = Object.entries(env.sim.counters.byPath).filter(([k]) => k.includes("/e2e4/steady/"));
    expect(steadyCalls.reduce((n, [, v]) => n + v, 0)).toBe(1);
    expect(result.drift.new).toBe(1);
  });

  it("a poison message fails alone and ends in the dead-letter list", async () => {
    const s = buildWorld("e2e5");
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "a",
        source_raw: `github://${s.repo}`,
        tracked_ref: "branch:main",
        installed_sha: s.v100,
      },
    ]);
    const queue = new LocalQueue({ maxReceives: 3 });
    queue.sendRaw("{not json");
    queue.sendRaw(JSON.stringify({ v: 1, sweepId: "nope", seq: 0, targets: [] }));
    const result = await sweep(env.db.sql, env.sim, { queue });
    expect(result.status).toBe("completed");
    expect(result.messages.deadLettered).toBe(2);
    expect(queue.deadLetters.map((d) => d.receiveCount)).toEqual([3, 3]);
    expect(result.drift.new).toBe(1);
  });

  it("resolves through one GraphQL request for many consumers of a few repositories", async () => {
    const s = buildWorld("e2e6");
    await insertPlugins(
      env.db.sql,
      Array.from({ length: 300 }, (_, i) => ({
        plugin_name: `p${i}`,
        source_raw: `github://${s.repo}`,
        tracked_ref: i % 2 ? "tag:latest" : "branch:main",
        installed_sha: s.v100,
      })),
    );
    env.sim.resetCounters();
    const result = await sweep(env.db.sql, env.sim, { resolver: simResolver(env.sim) });
    expect(result.targets.dispatched).toBe(2);
    // One query resolves both targets; one more fetches the review packets of both drifts (one repository).
    const queries = env.sim.requests.filter((r) => r.scope === "graphql");
    expect(queries.filter((r) => !r.query?.includes("ReviewPackets"))).toHaveLength(1);
    expect(queries.filter((r) => r.query?.includes("ReviewPackets"))).toHaveLength(1);
    expect(result.drift.new).toBe(300);
  });
});
