import { ChunkPacker, chunkItems } from "@drift/core";
import { describe, expect, it } from "vitest";

const byValue = (n: number) => n;

describe("chunkItems", () => {
  it("returns no chunk for no items", () => {
    expect(chunkItems([], { maxItems: 10, maxWeight: 10, weightOf: byValue })).toEqual([]);
  });

  it("closes a chunk at the item count limit", () => {
    const chunks = chunkItems([1, 1, 1, 1, 1], { maxItems: 2, maxWeight: 100, weightOf: byValue });
    expect(chunks).toEqual([[1, 1], [1, 1], [1]]);
  });

  it("closes a chunk before the weight limit would be passed, and accepts exactly the limit", () => {
    const chunks = chunkItems([3, 3, 4, 2, 5], { maxItems: 100, maxWeight: 6, weightOf: byValue });
    expect(chunks).toEqual([[3, 3], [4, 2], [5]]);
  });

  it("puts an item heavier than the limit alone in its own chunk, never drops it", () => {
    const chunks = chunkItems([1, 50, 2], { maxItems: 100, maxWeight: 10, weightOf: byValue });
    expect(chunks).toEqual([[1], [50], [2]]);
  });

  it("closes a chunk after an oversized item even when the next item weighs nothing", () => {
    const chunks = chunkItems([50, 0], { maxItems: 100, maxWeight: 10, weightOf: byValue });
    expect(chunks).toEqual([[50], [0]]);
  });

  it("limits distinct groups per chunk; repeated groups do not count twice", () => {
    const items = ["a1", "a2", "b1", "a3", "c1", "c2", "b2"];
    const chunks = chunkItems(items, {
      maxItems: 100,
      maxWeight: 100,
      weightOf: () => 1,
      groups: { max: 2, keyOf: (s) => s.charAt(0) },
    });
    expect(chunks).toEqual([
      ["a1", "a2", "b1", "a3"],
      ["c1", "c2", "b2"],
    ]);
  });

  it("keeps order and every item exactly once", () => {
    const items = Array.from({ length: 37 }, (_, i) => (i * 7) % 5);
    const chunks = chunkItems(items, { maxItems: 4, maxWeight: 8, weightOf: byValue });
    expect(chunks.flat()).toEqual(items);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(4);
      if (c.length > 1) expect(c.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8);
    }
  });
});

describe("ChunkPacker", () => {
  it("hands back the closed chunk from add and the rest from flush, then nothing", () => {
    const packer = new ChunkPacker<number>({ maxItems: 2, maxWeight: 100, weightOf: byValue });
    expect(packer.add(1)).toBeUndefined();
    expect(packer.add(2)).toBeUndefined();
    expect(packer.add(3)).toEqual([1, 2]);
    expect(packer.flush()).toEqual([3]);
    expect(packer.flush()).toBeUndefined();
  });

  it("asks the weight of each item once", () => {
    let asked = 0;
    const packer = new ChunkPacker<number>({
      maxItems: 10,
      maxWeight: 100,
      weightOf: (n) => {
        asked += 1;
        return n;
      },
    });
    for (const n of [1, 2, 3]) packer.add(n);
    packer.flush();
    expect(asked).toBe(3);
  });
});
