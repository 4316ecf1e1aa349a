/**
 * Limits of one chunk. An item always enters an empty chunk, so an item heavier than `maxWeight` on its own
 * (or a limit below 1) still makes a chunk of one: packing never drops or rejects an item.
 */
export interface ChunkLimits<T> {
  /** Most items in a chunk (SQS entries per call, targets per message). */
  readonly maxItems: number;
  /** Most total weight in a chunk (bytes of bodies, refs in a query). */
  readonly maxWeight: number;
  /** The weight of one item; asked once per item. */
  readonly weightOf: (item: T) => number;
  /** Optional third limit: at most `maxGroups` distinct group keys in a chunk (e.g. repositories). */
  readonly groups?: { readonly max: number; readonly keyOf: (item: T) => string };
}

/**
 * Packs items, in order, into chunks under a count limit, a weight limit and, optionally, a limit of distinct
 * groups. Streaming: `add` returns the chunk an item closed (the item itself starts the next one), `flush` the
 * last, so a caller paging through a large table holds one chunk at a time.
 *
 * @example
 * const packer = new ChunkPacker<string>({ maxItems: 10, maxWeight: 1024, weightOf: (s) => s.length });
 * for (const s of strings) { const full = packer.add(s); if (full) send(full); }
 * const last = packer.flush(); if (last) send(last);
 */
export class ChunkPacker<T> {
  private current: T[] = [];
  private weight = 0;
  private groupKeys = new Set<string>();

  constructor(private readonly limits: ChunkLimits<T>) {}

  /** Adds an item; returns the previous chunk when this item did not fit in it. */
  add(item: T): T[] | undefined {
    const { maxItems, maxWeight, weightOf, groups } = this.limits;
    const weight = weightOf(item);
    const key = groups?.keyOf(item);
    const newGroup = key !== undefined && !this.groupKeys.has(key);
    const full =
      this.current.length > 0 &&
      (this.current.length >= maxItems ||
        this.weight + weight > maxWeight ||
        (newGroup && groups !== undefined && this.groupKeys.size >= groups.max));
    const closed = full ? this.flush() : undefined;
    this.current.push(item);
    this.weight += weight;
    if (key !== undefined) this.groupKeys.add(key);
    return closed;
  }

  /** Closes and returns the open chunk, or undefined when it is empty. */
  flush(): T[] | undefined {
    if (this.current.length === 0) return undefined;
    const chunk = this.current;
    this.current = [];
    this.weight = 0;
    this.groupKeys = new Set();
    return chunk;
  }
}

/**
 * Packs all items at once (see {@link ChunkPacker}); pure, order kept, every item in exactly one chunk.
 *
 * @example
 * chunkItems([3, 3, 3], { maxItems: 10, maxWeight: 6, weightOf: (n) => n }); // [[3, 3], [3]]
 */
export function chunkItems<T>(items: Iterable<T>, limits: ChunkLimits<T>): T[][] {
  const packer = new ChunkPacker(limits);
  const chunks: T[][] = [];
  for (const item of items) {
    const closed = packer.add(item);
    if (closed) chunks.push(closed);
  }
  const last = packer.flush();
  if (last) chunks.push(last);
  return chunks;
}
