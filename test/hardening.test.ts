/**
 * Edge cases found in review: hostile text from a host, credentials incidents, plugins re-pointed under a pending
 * update, multi-byte names near the message size cap, and query strings that must be a 4xx, never a 5xx.
 */
import { randomUUID } from "node:crypto";
import { createDispatcherHandler } from "@drift/aws";
import { createSweepStore, decide, publishPendingEvents } from "@drift/db";
import { LocalQueue } from "@drift/local";
import { describe, expect, it } from "vitest";
import { call, testAdminApp } from "./support/api";
import { quietLog, simResolver, sweep, TOKEN, useSweepEnvironment } from "./support/pipeline";
import { insertPlugins } from "./support/seed";

const env = useSweepEnvironment();

const label = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";

describe(`hardening (${label})`, () => {
  it("a NUL byte in a host's error message neither fails the message nor loses the other targets' drift", async () => {
    env.sim.world.createRepo("nul/ok");
    const old = env.sim.world.revParse(env.sim.world.repo("nul/ok"), "refs/heads/main") as string;
    env.sim.world.commit("nul/ok", "main");
    env.sim.world.createRepo("nul/evil");
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "ok",
        source_raw: `gitea://${env.sim.host}/nul/ok`,
        tracked_ref: "branch:main",
        installed_sha: old,
      },
      {
        plugin_name: "evil",
        source_raw: `gitea://${env.sim.host}/nul/evil`,
        tracked_ref: "branch:main",
        installed_sha: old,
      },
    ]);
    const fault = env.sim.faults.add({
      kind: "status",
      status: 403,
      message: "denied\u0000here",
      scope: "gitea",
      pathIncludes: "/nul/evil/",
    });
    const result = await sweep(env.db.sql, env.sim);
    env.sim.faults.remove(fault);
    expect(result.status).toBe("completed");
    expect(result.messages.deadLettered).toBe(0);
    expect(result.drift.new).toBe(1);
    const [evil] = await env.db
      .sql`SELECT last_error_kind, last_error FROM drift_targets WHERE key LIKE '%nul/evil%'`;
    expect(evil?.last_error_kind).toBe("forbidden");
    expect(evil?.last_error).not.toContain("\u0000");
  });

  it("rejected credentials do not back targets off: the sweep after the fix finds the drift at once", async () => {
    env.sim.world.createRepo("cred/tool");
    const old = env.sim.world.revParse(env.sim.world.repo("cred/tool"), "refs/heads/main") as string;
    env.sim.world.commit("cred/tool", "main");
    await insertPlugins(env.db.sql, [
      { plugin_name: "t", source_raw: "github://cred/tool", tracked_ref: "branch:main", installed_sha: old },
    ]);
    const bad = await sweep(env.db.sql, env.sim, {
      resolver: simResolver(env.sim, { auth: { token: "wrong-token" } }),
    });
    expect(bad.targets.failedByKind).toEqual({ forbidden: 1 });
    const [state] = await env.db
      .sql`SELECT consecutive_failures, next_check_at <= now() AS due FROM drift_targets`;
    expect(state).toEqual({ consecutive_failures: 0, due: true });
    const good = await sweep(env.db.sql, env.sim, {
      resolver: simResolver(env.sim, { auth: { token: TOKEN } }),
    });
    expect(good.targets.resolved).toBe(1);
    expect(good.drift.new).toBe(1);
  });

  it("a pending update of a plugin re-pointed or untracked is superseded, and never applied", async () => {
    for (const r of ["move/a", "move/b"]) env.sim.world.createRepo(r);
    const old = env.sim.world.revParse(env.sim.world.repo("move/a"), "refs/heads/main") as string;
    env.sim.world.commit("move/a", "main");
    const ws = randomUUID();
    await insertPlugins(env.db.sql, [
      {
        workspace_id: ws,
        plugin_name: "repointed",
        source_raw: "github://move/a",
        tracked_ref: "branch:main",
        installed_sha: old,
      },
      {
        workspace_id: ws,
        plugin_name: "untracked",
        source_raw: "github://move/a",
        tracked_ref: "branch:main",
        installed_sha: old,
      },
      {
        workspace_id: ws,
        plugin_name: "apply-race",
        source_raw: "github://move/a",
        tracked_ref: "branch:main",
        installed_sha: old,
      },
    ]);
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
    const refused = await decide(env.db.sql, ids["apply-race"], "apply");
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

  it("an ETag always stands for the stored SHA: REST after GraphQL never reuses a stale answer", async () => {
    env.sim.world.createRepo("etag/tool");
    const a = env.sim.world.revParse(env.sim.world.repo("etag/tool"), "refs/heads/main") as string;
    await insertPlugins(env.db.sql, [
      { plugin_name: "t", source_raw: "github://etag/tool", tracked_ref: "branch:main", installed_sha: a },
    ]);
    const rest = () => simResolver(env.sim, { useGraphql: false });
    await sweep(env.db.sql, env.sim, { resolver: rest() });
    const etag = async () => (await env.db.sql`SELECT etag FROM drift_targets`)[0]?.etag;
    expect(await etag()).toBeTruthy();

    const b = env.sim.world.commit("etag/tool", "main");
    const viaGraphql = await sweep(env.db.sql, env.sim);
    expect(viaGraphql.drift.new).toBe(1);
    expect(await etag()).toBeNull();

    // Force-pushed back to the installed commit: the REST sweep must see A, not reuse B through a 304.
    env.sim.world.setBranch("etag/tool", "main", a);
    const back = await sweep(env.db.sql, env.sim, { resolver: rest() });
    expect(back.drift.superseded).toBe(1);
    const [row] = await env.db.sql`SELECT status, latest_sha FROM plugin_update_queue`;
    expect(row).toEqual({ status: "superseded", latest_sha: b });
  });

  it("the hourly dispatch republishes events an apply left in the outbox, and housekeeping never fails it", async () => {
    env.sim.world.createRepo("outbox/tool");
    const old = env.sim.world.revParse(env.sim.world.repo("outbox/tool"), "refs/heads/main") as string;
    env.sim.world.commit("outbox/tool", "main");
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "t",
        source_raw: "github://outbox/tool",
        tracked_ref: "branch:main",
        installed_sha: old,
      },
    ]);
    await sweep(env.db.sql, env.sim);
    const [pending] = await env.db.sql`SELECT id FROM plugin_update_queue WHERE status = 'pending'`;
    // Applied, but the publish after commit never happened (the function died, EventBridge was down…).
    expect(await decide(env.db.sql, pending?.id, "apply")).toMatchObject({ kind: "applied" });

    const published: string[] = [];
    const handler = (afterDispatch: () => Promise<unknown>) =>
      createDispatcherHandler({
        store: createSweepStore(env.db.sql),
        queue: new LocalQueue(),
        metrics: { sink: { add() {} }, flush() {} },
        log: quietLog,
        config: { minIntervalMs: 0 },
        afterDispatch,
      });
    const failing = await handler(() => Promise.reject(new Error("bus down")))({});
    expect(failing.status).toBe("dispatched");
    await handler(() =>
      publishPendingEvents(env.db.sql, {
        publish: async (e) => void published.push(`${e.type} ${e.detail.queue_id}`),
      }),
    )({});
    expect(published).toEqual([`plugin.update.applied ${pending?.id}`]);
  });

  it("messages stay under the byte cap with multi-byte ref names", async () => {
    env.sim.world.createRepo("wide/names");
    const names = Array.from({ length: 300 }, (_, i) => `${"界".repeat(60)}-${i}`);
    await insertPlugins(
      env.db.sql,
      names.map((n, i) => ({
        plugin_name: `p${i}`,
        source_raw: "github://wide/names",
        tracked_ref: `tag:${n}`,
        installed_sha: "abcdef1",
      })),
    );
    const queue = new LocalQueue();
    const cap = 20_000;
    const dispatch = createDispatcherHandler({
      store: createSweepStore(env.db.sql),
      queue,
      metrics: { sink: { add() {} }, flush() {} },
      log: quietLog,
      config: { minIntervalMs: 0, maxMessageBytes: cap },
    });
    const summary = await dispatch({});
    expect(summary).toMatchObject({ status: "dispatched", targetsDispatched: 300 });
    const sizes: number[] = [];
    await queue.drain(async (event) => {
      for (const r of event.Records) sizes.push(Buffer.byteLength(r.body));
      return { batchItemFailures: [] };
    });
    expect(sizes.length).toBeGreaterThan(1);
    // The cap bounds the targets part; the envelope (version, sweep id, seq) adds well under 200 bytes.
    for (const size of sizes) expect(size).toBeLessThanOrEqual(cap + 200);
  });

  it("query strings Postgres would refuse are a 400, never a 500", async () => {
    const { app } = testAdminApp(env.db.sql);
    const nul = await call(app, "GET", "/admin/plugin-updates?plugin_name=a%00b");
    expect(nul.status).toBe(400);
    for (const time of [
      "2024-13-45T99:99:99.000000Z",
      "0000-01-01T00:00:00.000000Z",
      "2024-02-30T00:00:00.000000Z",
    ]) {
      const cursor = Buffer.from(JSON.stringify([time, randomUUID()])).toString("base64url");
      const res = await call(app, "GET", `/admin/plugin-updates?cursor=${cursor}`);
      expect(res.status, time).toBe(400);
      expect(res.json().error.code).toBe("invalid_cursor");
    }
  });
});
