import { ChunkPacker } from "./chunk";
import { mapRowValues, rememberingClassifier } from "./mapping";
import { Metric } from "./metrics";
import type { DispatchCounts, Log, MessageQueue, MetricsSink, SweepStore } from "./ports";
import { type SweepMessage, toMessageTarget } from "./sweep-message";
import { repoKey } from "./target";

export interface DispatchConfig {
  readonly trigger: string;
  /** A sweep started less than this ago makes a new start a no-op (duplicate schedule events). */
  readonly minIntervalMs: number;
  /** workspace_plugins rows per page of the mapping pass (keyset; only distinct values travel). */
  readonly rowPageSize: number;
  /** Due targets read per page. */
  readonly targetPageSize: number;
  /** Repositories per message: one message is one resolver batch (one GraphQL query on GitHub). */
  readonly reposPerMessage: number;
  readonly maxTargetsPerMessage: number;
  /** Serialized message size cap (SQS allows 256 KiB per message). */
  readonly maxMessageBytes: number;
  /** Messages handed to the queue per send call (SQS SendMessageBatch takes 10). */
  readonly sendBatchSize: number;
  /** Abandon a sweep still dispatching, alive or not (`drift sweep --takeover`). */
  readonly takeover: boolean;
  /**
   * A dispatching sweep without a heartbeat for this long is dead (killed, or its Lambda timed out) and is taken
   * over at once. Well above the time one page of work takes.
   */
  readonly deadAfterMs: number;
}

export const DEFAULT_DISPATCH_CONFIG: DispatchConfig = {
  trigger: "schedule",
  minIntervalMs: 10 * 60_000,
  rowPageSize: 100_000,
  targetPageSize: 2000,
  reposPerMessage: 100,
  maxTargetsPerMessage: 1000,
  maxMessageBytes: 200 * 1024,
  sendBatchSize: 10,
  takeover: false,
  deadAfterMs: 2 * 60_000,
};

export interface DispatchDeps {
  readonly store: SweepStore;
  readonly queue: MessageQueue;
  readonly metrics: MetricsSink;
  readonly log: Log;
  /**
   * Why no sweep can run now (e.g. "GitHub credentials not configured"), or null. A reason records a skipped
   * sweep and counts it (SweepsSkipped): nothing is queued, so nothing can fail into the dead-letter queue.
   */
  readonly preflight?: () => Promise<string | null>;
  /**
   * Called after each page of the mapping pass is written, when the page's values are garbage: a runtime may
   * collect them there (aws/src/heap.ts), so a million-row pass's heap stays flat instead of piling up pages
   * until the next major collection.
   */
  readonly betweenPages?: () => void;
}

export type DispatchSummary =
  | ({
      readonly status: "dispatched";
      readonly sweepId: string;
      readonly completed: boolean;
    } & DispatchCounts)
  | { readonly status: "skipped"; readonly reason: string; readonly otherSweepId?: string };

/**
 * The dispatcher's job: start a sweep (at most one at a time), map each new or changed workspace plugin to its
 * target (pages of rows, keyset order, set-based writes; unchanged rows cost nothing), then page the distinct due targets and pack them into messages of about
 * `reposPerMessage` repositories each. Memory holds one page and one batch of messages, whatever the table size.
 */
export async function dispatchSweep(
  deps: DispatchDeps,
  config: DispatchConfig = DEFAULT_DISPATCH_CONFIG,
): Promise<DispatchSummary> {
  const { store, queue, metrics, log } = deps;
  const unready = (await deps.preflight?.()) ?? null;
  if (unready !== null) {
    await store.skipSweep(config.trigger, unready);
    metrics.add(Metric.SweepsSkipped, "Count", 1);
    log.warn("sweep skipped", { reason: unready });
    return { status: "skipped", reason: unready };
  }
  const start = await store.startSweep(config.trigger, config.minIntervalMs, {
    takeover: config.takeover,
    deadAfterMs: config.deadAfterMs,
  });
  if (!start.started) {
    log.info("sweep not started", { reason: start.reason, otherSweepId: start.otherSweepId });
    return { status: "skipped", reason: start.reason, otherSweepId: start.otherSweepId };
  }
  const sweepId = start.sweepId;
  metrics.add(Metric.SweepsStarted, "Count", 1);
  const counts: DispatchCounts = {
    rowsScanned: 0,
    rowsMapped: 0,
    rowsSkipped: 0,
    rowsInvalid: 0,
    targetsDispatched: 0,
    messagesSent: 0,
    driftSuperseded: 0,
  };
  const beat = () => store.heartbeat(sweepId);
  try {
    await mapAllRows(store, config, counts, beat, deps.betweenPages);
    const totals = await store.finishMapping(counts.rowsMapped);
    counts.rowsScanned = totals.rows;
    counts.rowsSkipped = totals.skipped;
    counts.rowsInvalid = totals.invalid;
    await sendDueTargets(store, queue, config, sweepId, counts, beat);
    const done = await store.finishDispatch(sweepId, counts);
    metrics.add(Metric.RowsScanned, "Count", counts.rowsScanned);
    metrics.add(Metric.RowsSkipped, "Count", counts.rowsSkipped);
    metrics.add(Metric.RowsInvalid, "Count", counts.rowsInvalid);
    metrics.add(Metric.TargetsDispatched, "Count", counts.targetsDispatched);
    metrics.add(Metric.MessagesSent, "Count", counts.messagesSent);
    if (counts.driftSuperseded > 0) metrics.add(Metric.DriftSuperseded, "Count", counts.driftSuperseded);
    if (done.completed) {
      metrics.add(Metric.SweepsCompleted, "Count", 1);
      metrics.add(Metric.SweepDuration, "Milliseconds", done.durationMs);
    }
    log.info("sweep dispatched", { sweepId, ...counts });
    return { status: "dispatched", sweepId, completed: done.completed, ...counts };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error("dispatch failed", { sweepId, error: message });
    await store.failSweep(sweepId, message).catch(() => {});
    throw error;
  }
}

/** Maps the rows that are new or changed since the last pass (the store selects them; values parsed once). */
async function mapAllRows(
  store: SweepStore,
  config: DispatchConfig,
  counts: DispatchCounts,
  beat: () => Promise<void>,
  betweenPages: () => void = () => {},
): Promise<void> {
  let after: string | null = null;
  const classify = rememberingClassifier();
  for (;;) {
    await beat();
    const page = await store.pagePluginRows(after, config.rowPageSize);
    if (page === null) return;
    if (page.values.length > 0) {
      const recorded = await store.recordMappings(mapRowValues(page.values, classify), page.scope);
      counts.driftSuperseded += recorded.superseded;
      counts.rowsMapped += recorded.mapped;
    }
    betweenPages();
    after = page.next;
  }
}

async function sendDueTargets(
  store: SweepStore,
  queue: MessageQueue,
  config: DispatchConfig,
  sweepId: string,
  counts: DispatchCounts,
  beat: () => Promise<void>,
): Promise<void> {
  const pending: SweepMessage[] = [];
  let seq = 0;
  const packer = new ChunkPacker<SweepMessage["targets"][number]>({
    maxItems: config.maxTargetsPerMessage,
    maxWeight: config.maxMessageBytes,
    // Bytes, not UTF-16 units: SQS limits the encoded message (+1 for the comma between entries).
    weightOf: (entry) => Buffer.byteLength(JSON.stringify(entry)) + 1,
    groups: {
      max: config.reposPerMessage,
      keyOf: (e) => repoKey({ provider: e.p, host: e.h, owner: e.o, repo: e.r }),
    },
  });
  const closeMessage = (targets: SweepMessage["targets"] | undefined) => {
    if (targets) pending.push({ v: 1, sweepId, seq: seq++, targets });
  };

  const flushSends = async (force: boolean) => {
    while (pending.length >= config.sendBatchSize || (force && pending.length > 0)) {
      const batch = pending.splice(0, config.sendBatchSize);
      await store.recordMessages(
        sweepId,
        batch.map((m) => ({ seq: m.seq, targetCount: m.targets.length })),
      );
      await queue.send(batch);
      counts.messagesSent += batch.length;
    }
  };
  let after: string | null = null;
  for (;;) {
    await beat();
    const targets = await store.pageDueTargets(after, config.targetPageSize);
    if (targets.length === 0) break;
    for (const target of targets) {
      closeMessage(packer.add(toMessageTarget(target)));
      counts.targetsDispatched += 1;
    }
    after = targets[targets.length - 1]?.key ?? null;
    await flushSends(false);
  }
  closeMessage(packer.flush());
  await flushSends(true);
}
