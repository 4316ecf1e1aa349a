import { Metric } from "./metrics";
import type { Log, MessageQueue, MetricsSink } from "./ports";
import type { Source } from "./source";
import { type SweepMessage, toMessageTarget } from "./sweep-message";
import { repoKey, type Target } from "./target";
import { isValidRefName } from "./tracked-ref";

/**
 * What a webhook says changed upstream: where to look, never the answer (the worker resolves the ref itself, so a
 * payload lying about the new SHA cannot create a false drift).
 */
export interface UpstreamChange {
  readonly repository: Source;
  readonly refType: "branch" | "tag";
  /** Short ref name (`main`, `v1.2.0`). */
  readonly name: string;
}

/** The tracked refs of one repository that a change can affect. */
export interface AffectedRefs {
  readonly repository: Source;
  /** Canonical tracked refs matched exactly (`branch:main`, `ref:main`, `tag:v1.2.0`). */
  readonly exact: readonly string[];
  /** Every `tag:latest` and `semver:` target of the repository too (a tag appeared, moved or went away). */
  readonly tagLists: boolean;
}

/**
 * A branch change affects `branch:`/`ref:` targets of that branch; a tag change affects `tag:`/`ref:` targets of
 * that name and every `tag:latest`/`semver:` target of the repository. A name no ref can have affects nothing.
 */
export function affectedRefs(change: UpstreamChange): AffectedRefs {
  const { repository, refType, name } = change;
  if (!isValidRefName(name)) return { repository, exact: [], tagLists: false };
  return refType === "branch"
    ? { repository, exact: [`branch:${name}`, `ref:${name}`], tagLists: false }
    : { repository, exact: [`tag:${name}`, `ref:${name}`], tagLists: true };
}

/** The coalescing guard of one repository: when its latest re-check runs and which targets it covers. */
export interface RecheckGuard {
  readonly runAt: Date | null;
  readonly targetKeys: readonly string[];
}

/** What to queue for a delivery, decided from the repository's guard. */
export interface RecheckPlan {
  /** Targets to put in a new re-check (empty: everything is covered by one not yet run). */
  readonly send: readonly string[];
  /** When the new re-check may run (its queue delay is runAt - now). */
  readonly runAt: Date;
  /** The guard after this delivery. */
  readonly guard: RecheckGuard;
}

/**
 * Leading + trailing throttle per repository. A re-check that has not run yet covers every delivery before it
 * (it resolves after them), so a delivery whose targets it covers queues nothing. Otherwise a new re-check runs
 * now if the last one ran at least `windowMs` ago, else at last + windowMs. So re-checks of a repository start at
 * most once per window (targets not yet covered join the pending one at the same instant), and each one runs after
 * every delivery it covers.
 */
export function planRecheck(
  guard: RecheckGuard,
  now: Date,
  keys: readonly string[],
  windowMs: number,
): RecheckPlan {
  if (guard.runAt && guard.runAt.getTime() > now.getTime()) {
    const covered = new Set(guard.targetKeys);
    const send = keys.filter((k) => !covered.has(k));
    return {
      send,
      runAt: guard.runAt,
      guard: { runAt: guard.runAt, targetKeys: [...guard.targetKeys, ...send] },
    };
  }
  const earliest = guard.runAt ? guard.runAt.getTime() + windowMs : 0;
  const runAt = new Date(Math.max(now.getTime(), earliest));
  // A re-check running right now covers no later delivery: only a delayed one joins the guard's cover.
  return { send: [...keys], runAt, guard: { runAt, targetKeys: [...keys] } };
}

/** A claimed re-check: its id (the message's `sweepId`) and how long the queue must hold it back. */
export interface RecheckClaim {
  readonly recheckId: string;
  readonly targets: readonly Target[];
  readonly delaySeconds: number;
}

/** Port: what webhook handling reads and writes (Postgres in packages/db). */
export interface RecheckStore {
  /** Records a delivery id on a route; false when the route has seen it already (a replay). */
  recordDelivery(route: string, deliveryId: string, event: string): Promise<boolean>;
  /** Forgets a delivery whose re-check could not be queued, so that the host's redelivery is not a "replay". */
  forgetDelivery(route: string, deliveryId: string): Promise<void>;
  /** The known, followed targets of the repository that the refs can affect. */
  affectedTargets(refs: AffectedRefs): Promise<Target[]>;
  /**
   * Plans (see {@link planRecheck}) and records a re-check under the repository's guard row, to be sent in
   * messages of `targetsPerMessage`; null when coalesced into one already queued.
   */
  claimRecheck(
    repo: string,
    targets: readonly Target[],
    windowMs: number,
    targetsPerMessage: number,
  ): Promise<RecheckClaim | null>;
  /** Undoes a claim whose message could not be sent. */
  cancelRecheck(recheckId: string): Promise<void>;
  /** Deletes deliveries, re-checks and guards older than the retention; returns how many rows went. */
  prune(retentionHours: number): Promise<number>;
}

export interface RecheckConfig {
  /** Re-checks of one repository start at most once per window. */
  readonly windowMs: number;
  /** Targets per message (one message is one resolver call). */
  readonly maxTargetsPerMessage: number;
}

export const DEFAULT_RECHECK_CONFIG: RecheckConfig = { windowMs: 5000, maxTargetsPerMessage: 1000 };

export interface RecheckDeps {
  readonly store: RecheckStore;
  readonly queue: MessageQueue;
  readonly metrics: MetricsSink;
  readonly log: Log;
}

/** A claimed re-check as queue messages (the sweep's schema; its id as sweepId, seq 0, 1, …). */
function toMessages(claim: RecheckClaim, perMessage: number): SweepMessage[] {
  const messages: SweepMessage[] = [];
  for (let i = 0; i < claim.targets.length; i += perMessage) {
    const slice = claim.targets.slice(i, i + perMessage);
    messages.push({
      v: 1,
      sweepId: claim.recheckId,
      seq: messages.length,
      targets: slice.map(toMessageTarget),
    });
  }
  return messages;
}

/** A delivery as the receiver understood it (signature already verified). */
export interface Delivery {
  readonly route: string;
  readonly deliveryId: string;
  readonly event: string;
  /** What changed, or null for events that affect no target (they are still recorded against replays). */
  readonly change: UpstreamChange | null;
}

export interface DeliveryResult {
  /** Known targets the event can affect; all of them are re-checked (now, or by a re-check already queued). */
  readonly targets: number;
  readonly duplicate?: true;
  /** Re-check messages queued by this delivery (0 when coalesced into one already queued). */
  readonly queued: number;
}

/**
 * Handles one verified webhook delivery: dedupe by delivery id, find the affected known targets, and queue a
 * targeted re-check (the sweep's message schema, the sweep's queue and worker) unless one already queued covers
 * them. If the queue refuses the message, the claim and the delivery are forgotten and the error is thrown.
 */
export async function handleDelivery(
  deps: RecheckDeps,
  delivery: Delivery,
  config: RecheckConfig = DEFAULT_RECHECK_CONFIG,
): Promise<DeliveryResult> {
  const { store, queue, metrics, log } = deps;
  if (!(await store.recordDelivery(delivery.route, delivery.deliveryId, delivery.event))) {
    return { targets: 0, duplicate: true, queued: 0 };
  }
  if (!delivery.change) return { targets: 0, queued: 0 };
  let claim: RecheckClaim | null = null;
  let messages: SweepMessage[] = [];
  let targets: Target[];
  try {
    targets = await store.affectedTargets(affectedRefs(delivery.change));
    if (targets.length === 0) return { targets: 0, queued: 0 };
    claim = await store.claimRecheck(
      repoKey(delivery.change.repository),
      targets,
      config.windowMs,
      config.maxTargetsPerMessage,
    );
    if (!claim) return { targets: targets.length, queued: 0 };
    messages = toMessages(claim, config.maxTargetsPerMessage);
    await queue.send(messages, { delaySeconds: claim.delaySeconds });
  } catch (error) {
    // Nothing queued: forget the claim and the delivery, so that the host's redelivery is not taken for a replay.
    if (claim) await store.cancelRecheck(claim.recheckId).catch(() => {});
    await store.forgetDelivery(delivery.route, delivery.deliveryId).catch(() => {});
    throw error;
  }
  metrics.add(Metric.RechecksQueued, "Count", messages.length);
  log.info("re-check queued", {
    recheckId: claim.recheckId,
    targets: claim.targets.length,
    delaySeconds: claim.delaySeconds,
  });
  return { targets: targets.length, queued: messages.length };
}

/**
 * "Re-check now" for one target (an operator on the admin page, a failing target): claims a re-check of it with
 * no coalescing window and queues it through the sweep's queue and worker. False when one not yet run covers it.
 */
export async function recheckTargetNow(
  deps: Pick<RecheckDeps, "store" | "queue" | "metrics" | "log">,
  target: Target,
): Promise<boolean> {
  const claim = await deps.store.claimRecheck(repoKey(target), [target], 0, 1);
  if (!claim) return false;
  try {
    await deps.queue.send(toMessages(claim, 1), { delaySeconds: claim.delaySeconds });
  } catch (error) {
    await deps.store.cancelRecheck(claim.recheckId).catch(() => {});
    throw error;
  }
  deps.metrics.add(Metric.RechecksQueued, "Count", 1);
  deps.log.info("re-check queued by an operator", { recheckId: claim.recheckId, target: target.key });
  return true;
}
