/**
 * The short backoff locally (issue 23): `drift serve`'s in-process queue holds a deferral's delayed message on a
 * timer of its own, never in front of what is sent after it, and the worker handler re-queues what a hung host
 * left unresolved there, so the drift is recorded shortly after the host answers again (not at the next sweep).
 */
import { createWorkerHandler } from "@drift/aws";
import { DEFAULT_DISPATCH_CONFIG, dispatchSweep, type SweepMessage } from "@drift/core";
import { createRecheckStore, createSweepStore } from "@drift/db";
import { InProcessQueue, MetricsCollector } from "@drift/local";
import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { givenDriftedPlugin, quietLog, simResolver, useSweepEnvironment } from "../support/pipeline";

const env = useSweepEnvironment();

const message = (n: number): SweepMessage => ({
  v: 1,
  sweepId: `00000000-0000-4000-8000-00000000000${n}`,
  seq: 0,
  targets: [{ p: "github", h: "github.com", o: "o", r: `r${n}`, t: "branch:main" }],
});

describe("in-process queue delays", () => {
  it("a delayed send waits on its own timer: a later immediate send is handled first; idle() waits for both", async () => {
    const handled: string[] = [];
    const queue = new InProcessQueue(async (event: SQSEvent) => {
      for (const r of event.Records) handled.push((JSON.parse(r.body) as SweepMessage).targets[0]?.r ?? "");
      return { batchItemFailures: [] };
    });
    const started = Date.now();
    await queue.send([message(1)], { delaySeconds: 0.5 });
    await queue.send([message(2)]);
    await expect.poll(() => handled).toEqual(["r2"]);
    expect(Date.now() - started).toBeLessThan(400);
    await queue.idle();
    expect(handled).toEqual(["r2", "r1"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });
});

describe(`a hung host's target comes back after a short backoff (${dbLabel})`, () => {
  it("the message records the others' drift; the re-queued target's drift follows once the host answers", async () => {
    await givenDriftedPlugin(env, "backoff/fine", { plugin_name: "fine" });
    await givenDriftedPlugin(env, "backoff/hung", { plugin_name: "hung" });
    // The queries naming the hung repository hang twice (our timeout, then the split query's), then it answers.
    env.sim.faults.add({ kind: "hang", scope: "graphql", bodyIncludes: '"hung"', times: 2 });
    const metrics = new MetricsCollector();
    const recheckStore = createRecheckStore(env.db.sql);
    const queue: InProcessQueue = new InProcessQueue(
      createWorkerHandler({
        store: createSweepStore(env.db.sql),
        resolver: simResolver(env.sim, { requestTimeoutMs: 300 }),
        metrics: { sink: metrics, flush() {} },
        log: quietLog,
        deferrals: {
          store: recheckStore,
          queue: { send: (messages, options) => queue.send(messages, options) },
          config: { baseDelaySeconds: 0.2 },
        },
      }),
    );
    const sent: SweepMessage[] = [];
    await dispatchSweep(
      {
        store: createSweepStore(env.db.sql),
        queue: { send: async (messages) => void sent.push(...messages) },
        metrics: { add() {} },
        log: quietLog,
      },
      { ...DEFAULT_DISPATCH_CONFIG, minIntervalMs: 0 },
    );
    await queue.send(sent);
    await queue.idle();

    const pending = await env.db.sql<{ plugin_name: string }[]>`
      SELECT plugin_name FROM plugin_update_queue WHERE status = 'pending' ORDER BY plugin_name`;
    expect(pending.map((r) => r.plugin_name)).toEqual(["fine", "hung"]);
    const rechecks = await env.db.sql<{ kind: string; attempt: number; resolved: number; done: boolean }[]>`
      SELECT kind, attempt, targets_resolved AS resolved, done_at IS NOT NULL AS done FROM drift_rechecks`;
    expect(rechecks).toEqual([{ kind: "deferred", attempt: 1, resolved: 1, done: true }]);
    expect(metrics.total("DeferralsRequeued")).toBe(1);
    expect(metrics.total("DeferralsLeftToSweep")).toBe(0);
    // A deferral is not a webhook: no detection latency measured for it.
    expect(metrics.total("DetectionLatency")).toBe(0);
    expect(queue.queue.deadLetters).toEqual([]);
  }, 60_000);
});
