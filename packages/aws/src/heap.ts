import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const MiB = 2 ** 20;

/**
 * V8's full collection, without starting Node with `--expose-gc` (the way Jest's leak detector gets it: the flag
 * is set at run time and read by a new context, then unset), or null where the runtime refuses.
 */
function exposedGc(): (() => void) | null {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === "function") return global as () => void;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    setFlagsFromString("--no-expose-gc");
    return typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

export interface HeapCollectorOptions {
  /** Collect once the heap grew this much since the collector was made or last collected. */
  readonly growthBytes?: number;
  readonly heapUsed?: () => number;
  readonly gc?: (() => void) | null;
}

/**
 * The dispatcher's `betweenPages` (core/src/dispatch.ts): a full collection once the heap grew by `growthBytes`
 * (32 MiB). Why: a page of a first mapping pass allocates about 10 MB (its values, the statement's parameters)
 * that is garbage once the page is written, and V8 lets the old space grow to a few times what survived its last
 * major collection before it collects again, so a million-row pass piled its dead pages up (dispatcher peak RSS
 * 248–262 MiB over 1,000,000 rows; 173 MiB collecting after every page). A collection costs tens of ms, once
 * every few pages (about 4% of a pass whose every row has its own commit); a sweep of one page (10,000 rows) never
 * reaches it.
 * Make one per dispatch: the growth is counted from its start.
 */
export function heapCollector(options: HeapCollectorOptions = {}): () => void {
  const growth = options.growthBytes ?? 32 * MiB;
  const heapUsed = options.heapUsed ?? (() => process.memoryUsage().heapUsed);
  let gc = options.gc;
  let floor = heapUsed();
  return () => {
    if (heapUsed() - floor < growth) return;
    if (gc === undefined) gc = exposedGc();
    gc?.();
    floor = heapUsed();
  };
}
