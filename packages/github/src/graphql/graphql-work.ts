import { chunkItems } from "@drift/core";
import type { Failure } from "../shared/errors";
import type { Phase, RepoPlan } from "./graphql-plan";
import type { RepoSelection } from "./graphql-query";

/** One repository's part of a query: what to ask for, and the plan its answer goes to. */
export interface WorkItem {
  readonly plan: RepoPlan;
  readonly phase: Phase;
  readonly selection: RepoSelection;
}

/** State shared by every query of one `resolve` call. */
export interface Call {
  readonly signal?: AbortSignal;
  /** Heavy failures since the last answer: past a few, the host is failing, whatever the size; stop splitting. */
  heavyInARow: number;
  /**
   * Repositories whose query timed out once in this call. A second timeout of any of them ends their lookups
   * (deferred to the next sweep): a hung repository costs a call at most two timeouts, not one per split.
   */
  readonly timedOut?: WeakSet<object>;
}

export function fail(item: WorkItem, f: Failure): void {
  item.plan.fail(item.phase, f);
}

export function failItems(items: readonly WorkItem[], f: Failure): void {
  for (const item of items) fail(item, f);
}

/** Packs items, in order, into queries of at most `maxRepositories` repositories and `maxRefs` refs/objects. */
export function packQueries(
  items: readonly WorkItem[],
  maxRepositories: number,
  maxRefs: number,
): WorkItem[][] {
  return chunkItems(items, {
    maxItems: maxRepositories,
    maxWeight: maxRefs,
    weightOf: (item) => (item.selection.refs?.length ?? 0) + (item.selection.objects?.length ?? 0),
  });
}
