/**
 * The dispatcher handler beyond the happy path: its housekeeping republishes events an apply left in the outbox,
 * messages stay under the byte cap with multi-byte ref names (edge cases found in review), and the heap hook runs
 * between mapping pages.
 */
import { createDispatcherHandler } from "@drift/aws";
import { createSweepStore } from "@drift/db";
import { LocalQueue } from "@drift/local";
import { describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { decideIn, publishPendingIn } from "../support/decisions";
import { givenDriftedPlugin, quietLog, sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();

describe(`dispatcher handler (${dbLabel})`, () => {
  it("the hourly dispatch republishes events an apply left in the outbox, and housekeeping never fails it", async () => {
    await givenDriftedPlugin(env, "outbox/tool", { plugin_name: "t" });
    await sweep(env.db.sql, env.sim);
    const [pending] = await env.db.sql`SELECT id FROM plugin_update_queue WHERE status = 'pending'`;
    // Applied, but the publish after commit never happened (the function died, EventBridge was down…).
    expect(await decideIn(env.db.sql, pending?.id, "apply")).toMatchObject({ kind: "applied" });

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
      publishPendingIn(env.db.sql, {
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

  it("calls betweenPages once per mapping page, after the page is written", async () => {
    env.sim.world.createRepo("paged/tool");
    const rows = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({
        plugin_name: `p${from + i}`,
        source_raw: "github://paged/tool",
        tracked_ref: "branch:main",
        installed_sha: "abcdef1",
      }));
    await insertPlugins(env.db.sql, rows(3, 0));
    await sweep(env.db.sql, env.sim);
    // Five new rows on a mapped table: the pass lists them and pages them two at a time (3 pages).
    await insertPlugins(env.db.sql, rows(5, 3));
    const mappedWhenCalled: number[] = [];
    const dispatch = createDispatcherHandler({
      store: createSweepStore(env.db.sql),
      queue: new LocalQueue(),
      metrics: { sink: { add() {} }, flush() {} },
      log: quietLog,
      config: { minIntervalMs: 0, rowPageSize: 2 },
      betweenPages: () => void mappedWhenCalled.push(mappedWhenCalled.length),
    });
    const counted = async () => {
      const [r] = await env.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drift_plugin_targets`;
      return r?.n ?? 0;
    };
    expect(await dispatch({})).toMatchObject({ status: "dispatched", rowsMapped: 5 });
    expect(mappedWhenCalled).toEqual([0, 1, 2]);
    expect(await counted()).toBe(8);
  });
});
