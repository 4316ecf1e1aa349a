/**
 * A webhook re-check between two deliveries of a sweep's message leaves the sweep's bookkeeping exact: the
 * redelivery still skips what the sweep finished (no API call, no double count), and the sweep completes.
 */
import { randomUUID } from "node:crypto";
import { createDispatcherHandler, createWorkerHandler } from "@drift/aws";
import { createSweepStore } from "@drift/db";
import { pushPayload } from "@drift/github-sim";
import { LocalQueue, MetricsCollector } from "@drift/local";
import type { SQSEvent } from "aws-lambda";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { quietLog, simResolver, sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins, mapAll } from "../support/seed";
import { cleanWebhookTables, pendingRows, trackPlugins, webhookHarness } from "../support/webhooks";

const env = useSweepEnvironment();
beforeEach(() => cleanWebhookTables(env.db.sql));

describe(`re-checks and sweeps (${dbLabel})`, () => {
  it("a re-check between two deliveries of a sweep message neither re-resolves nor double-counts", async () => {
    const repo = "whb/lint";
    const w = env.sim.world;
    w.createRepo(repo);
    w.tag(repo, "v1.0.0");
    const main = w.revParse(w.repo(repo), "refs/heads/main") as string;
    const ws = randomUUID();
    await insertPlugins(env.db.sql, [
      {
        workspace_id: ws,
        plugin_name: "m",
        source_raw: `github://${repo}`,
        tracked_ref: "branch:main",
        installed_sha: main,
      },
      {
        workspace_id: ws,
        plugin_name: "t",
        source_raw: `github://${repo}`,
        tracked_ref: "tag:v1.0.0",
        installed_sha: main,
      },
    ]);
    const store = createSweepStore(env.db.sql);
    const metrics = new MetricsCollector();
    // SQS may deliver a message twice: the dispatcher's one message arrives as two copies, one at a time.
    const queue = new LocalQueue({ duplicateDeliveries: 2, batchSize: 1, concurrency: 1 });
    const dispatcher = createDispatcherHandler({
      store,
      queue,
      metrics: { sink: metrics, flush() {} },
      log: quietLog,
      config: { trigger: "test", minIntervalMs: 0 },
    });
    const worker = createWorkerHandler({
      store,
      resolver: simResolver(env.sim),
      metrics: { sink: metrics, flush() {} },
      log: quietLog,
    });
    const dispatched = await dispatcher({});
    expect(dispatched.status).toBe("dispatched");
    const sweepId = dispatched.status === "dispatched" ? dispatched.sweepId : "";

    const hooks = webhookHarness(env.db.sql, env.sim, { windowMs: 0 });
    const moved = w.commit(repo, "main");
    let invocations = 0;
    await queue.drain(async (event: SQSEvent) => {
      const response = await worker(event);
      if (++invocations === 1) {
        // Between the two copies, a push re-checks branch:main.
        const r = await hooks.deliver(
          "github",
          "push",
          pushPayload(w.repo(repo), env.sim.url, "refs/heads/main", main, moved),
        );
        expect(r.body).toEqual({ targets: 1 });
        await hooks.idle();
      }
      return response;
    });
    expect(invocations).toBe(2);

    const [m] = await env.db
      .sql`SELECT target_count, targets_resolved, attempts, status FROM drift_sweep_messages
      WHERE sweep_id = ${sweepId}`;
    expect(m).toEqual({ target_count: 2, targets_resolved: 2, attempts: 2, status: "done" });
    const [s] = await env.db.sql`SELECT status FROM drift_sweeps WHERE id = ${sweepId}`;
    expect(s?.status).toBe("completed");
    const targets = await env.db.sql`SELECT last_sweep_id, last_sha FROM drift_targets ORDER BY key`;
    expect(targets.map((t) => t.last_sweep_id)).toEqual([sweepId, sweepId]);
    // The second copy cost no API call: two resolutions by the sweep's first copy, one by the re-check.
    expect(metrics.total("TargetsResolved")).toBe(2);
    expect(hooks.metrics.total("TargetsResolved")).toBe(1);
    const [pending] = await env.db.sql`SELECT latest_sha FROM plugin_update_queue WHERE status = 'pending'`;
    expect(pending?.latest_sha).toBe(moved);
  });

  // The worker compares only plugins whose verdict can have changed (drift-store.ts `applyDrift`): a re-check
  // must see a branch move against the answer a sweep recorded, and a newly tracked plugin even without a move.
  it("after a sweep resolved the branch, a re-check of a move opens the pending row; the next sweep keeps it", async () => {
    const repo = "whb/after-sweep";
    const w = env.sim.world;
    w.createRepo(repo);
    await trackPlugins(env.db.sql, w, repo, { early: "branch:main" });
    const baseline = await sweep(env.db.sql, env.sim);
    expect(baseline).toMatchObject({ status: "completed", pendingUpdates: 0 });
    const before = w.revParse(w.repo(repo), "refs/heads/main") as string;

    const hooks = webhookHarness(env.db.sql, env.sim, { windowMs: 0 });
    const moved = w.commit(repo, "main");
    const push = pushPayload(w.repo(repo), env.sim.url, "refs/heads/main", before, moved);
    expect((await hooks.deliver("github", "push", push)).body).toEqual({ targets: 1 });
    await hooks.idle();
    expect(await pendingRows(env.db.sql)).toEqual({ early: moved });

    // A plugin tracked after that, at the old commit: the branch does not move again, yet a re-check (another
    // delivery of the same push) compares it, because it was mapped after the target's last resolution.
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "late",
        source_raw: `github://${repo}`,
        tracked_ref: "branch:main",
        installed_sha: before,
      },
    ]);
    await mapAll(env.db.sql);
    expect((await hooks.deliver("github", "push", push)).body).toEqual({ targets: 1 });
    await hooks.idle();
    expect(await pendingRows(env.db.sql)).toEqual({ early: moved, late: moved });

    const next = await sweep(env.db.sql, env.sim);
    expect(next).toMatchObject({ status: "completed", drift: { new: 0, refreshed: 0, superseded: 0 } });
    expect(await pendingRows(env.db.sql)).toEqual({ early: moved, late: moved });
  });
});
