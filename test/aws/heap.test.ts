/**
 * The dispatcher's collection between mapping pages (packages/aws/src/heap.ts): it collects only once the heap grew
 * by its threshold, counts the growth from the last collection, and the collection it gets without `--expose-gc`
 * really collects.
 */
import { heapCollector } from "@drift/aws/heap";
import { describe, expect, it } from "vitest";

describe("heapCollector", () => {
  it("collects once the heap grew by the threshold, then counts from there", () => {
    let used = 100;
    const collections: number[] = [];
    const between = heapCollector({
      growthBytes: 50,
      heapUsed: () => used,
      gc: () => {
        collections.push(used);
        used = 110; // what survived
      },
    });
    used = 149;
    between();
    expect(collections).toEqual([]);
    used = 150;
    between();
    expect(collections).toEqual([150]);
    used = 159; // 49 above what survived the collection
    between();
    expect(collections).toEqual([150]);
    used = 160;
    between();
    expect(collections).toEqual([150, 160]);
  });

  it("a runtime without a collection (gc null) is left alone", () => {
    let used = 0;
    const between = heapCollector({ growthBytes: 1, heapUsed: () => used, gc: null });
    used = 10;
    expect(() => between()).not.toThrow();
  });

  it("gets V8's full collection without --expose-gc, and it frees unreachable objects", async () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe("undefined");
    const ref = (() => new WeakRef({ page: new Array(100_000).fill("value") }))();
    // A WeakRef's target is kept until the job that made it ends.
    await new Promise((resolve) => setImmediate(resolve));
    heapCollector({ growthBytes: 0 })();
    expect(ref.deref()).toBeUndefined();
  });
});
