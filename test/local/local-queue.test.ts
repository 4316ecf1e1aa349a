import { createWorkerHandler } from "@drift/aws";
import type { Resolver, SweepStore } from "@drift/core";
import { LocalQueue } from "@drift/local";
import { describe, expect, it } from "vitest";
import { quietLog } from "../support/pipeline";

// The worker never reaches the store or the resolver for malformed bodies: they fail validation first.
const unreachable = new Proxy({}, { get: () => () => Promise.reject(new Error("not expected")) });

describe("in-process queue with the real worker handler", () => {
  it("under concurrent invocations every failed record is redelivered, then dead-lettered: none is lost", async () => {
    const queue = new LocalQueue({ batchSize: 2, concurrency: 2, maxReceives: 3 });
    for (let i = 0; i < 20; i++) queue.sendRaw(`{"broken": ${i}`);
    const worker = createWorkerHandler({
      store: unreachable as SweepStore,
      resolver: unreachable as Resolver,
      metrics: { sink: { add() {} }, flush() {} },
      log: quietLog,
    });
    await queue.drain(worker);
    expect(queue.deadLetters).toHaveLength(20);
    expect(queue.deliveries).toBe(60);
    expect(new Set(queue.deadLetters.map((d) => d.body)).size).toBe(20);
  });
});
