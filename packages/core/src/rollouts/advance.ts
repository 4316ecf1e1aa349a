import type { Log } from "../ports";
import type {
  ControlAction,
  ControlResult,
  CreateRolloutResult,
  HealthReport,
  NewRollout,
  ReportResult,
  RolloutDecisions,
  RolloutObserver,
  RolloutStore,
  RolloutView,
} from "./ports";
import type { RolloutPlan, RolloutRequest } from "./schema";

/**
 * The rollout use cases: create (and apply the first wave), advance one rollout or every due one (the tick),
 * take a health report, pause/resume/cancel. Every apply and rollback is the one decision path (the
 * {@link RolloutDecisions} port), `decided_by = rollout:<id>`; every state change is a conditional update under
 * the rollout's row lock in the store, so two racing ticks start a wave once and apply each row once.
 */

export interface RolloutDeps {
  readonly store: RolloutStore;
  readonly decisions: RolloutDecisions;
  readonly now: () => Date;
  readonly observer?: RolloutObserver;
  readonly log?: Log;
}

/** What one advance did. */
export interface AdvanceResult {
  readonly wavesStarted: number;
  readonly applied: number;
  readonly left: number;
  readonly halted: boolean;
  readonly rolledBack: number;
  readonly completed: boolean;
}

const NOTHING: AdvanceResult = {
  wavesStarted: 0,
  applied: 0,
  left: 0,
  halted: false,
  rolledBack: 0,
  completed: false,
};

/**
 * Brings one rollout up to date at `now`: rows that moved on leave, failures over the limit halt it (and roll back
 * what it applied when asked), a wave whose predecessor's soak ended starts, the rows of started waves are applied,
 * and a rollout whose last soak ended completes. Idempotent: running it again changes nothing.
 */
export async function advanceRollout(deps: RolloutDeps, id: string): Promise<AdvanceResult> {
  const { store, decisions } = deps;
  const now = deps.now();
  const left = await store.markLeft(id);
  const halted = await store.haltIfFailing(id, now);
  if (halted) deps.observer?.halted?.(1);
  const step = await store.startDueWave(id, now);
  if (step.started !== null) deps.observer?.wavesStarted?.(1);
  const work = await store.work(id);
  let applied = 0;
  let rolledBack = 0;
  let leftNow = 0;
  for (const queueId of work?.toApply ?? []) {
    const verdict = await decisions.apply(queueId, id, work?.latestSha ?? "");
    await store.markRow(id, queueId, verdict === "applied_before" ? "applied" : verdict);
    if (verdict === "applied") applied++;
    else if (verdict === "left") leftNow++;
  }
  for (const queueId of work?.toRollBack ?? []) {
    const verdict = await decisions.rollback(queueId, id);
    await store.markRow(id, queueId, verdict);
    if (verdict === "rolled_back") rolledBack++;
  }
  if (rolledBack > 0) deps.observer?.rolledBack?.(rolledBack);
  // The wave's last row may have been the last one waiting: completion is judged again.
  const done = step.completed || (step.started !== null && (await store.startDueWave(id, now)).completed);
  if (halted || step.started !== null || applied || rolledBack || done) await decisions.publish();
  if (step.started !== null || halted || done)
    deps.log?.info("rollout advanced", {
      rollout_id: id,
      wave: step.started,
      applied,
      halted,
      completed: done,
    });
  return {
    wavesStarted: step.started === null ? 0 : 1,
    applied,
    left: left + leftNow,
    halted,
    rolledBack,
    completed: done,
  };
}

/** The rollout a validated `POST /admin/rollouts` body (or `drift rollout start`) asks for, created by `createdBy`. */
export function newRolloutOf(r: RolloutRequest, createdBy: string): NewRollout {
  return {
    ids: r.ids,
    waves: r.waves,
    maxFailures: r.max_failures ?? 0,
    rollbackOnHalt: r.rollback_on_halt ?? false,
    reason: r.reason ?? null,
    createdBy,
  };
}

/** Creates a rollout and applies its first wave (the 201 reports it). */
export async function startRollout(
  deps: RolloutDeps,
  input: NewRollout,
): Promise<CreateRolloutResult & { readonly rollout?: RolloutView }> {
  const created = await deps.store.create(input, deps.now());
  if (created.kind !== "created") return created;
  await advanceRollout(deps, created.id);
  const rollout = await deps.store.get(created.id, deps.now());
  return rollout ? { ...created, rollout } : created;
}

/** The tick (every 5 minutes in AWS, `drift rollout tick`, `drift serve` every few seconds): every due rollout. */
export async function tickRollouts(
  deps: RolloutDeps,
  limit = 100,
): Promise<AdvanceResult & { rollouts: number }> {
  const ids = await deps.store.due(deps.now(), limit);
  const total = { ...NOTHING, rollouts: ids.length };
  for (const id of ids) {
    const r = await advanceRollout(deps, id);
    total.wavesStarted += r.wavesStarted;
    total.applied += r.applied;
    total.left += r.left;
    total.rolledBack += r.rolledBack;
    total.halted ||= r.halted;
    total.completed ||= r.completed;
  }
  return total;
}

/** A health report: recorded, then the rollout is advanced (more failures than allowed halt it at once). */
export async function reportRolloutHealth(
  deps: RolloutDeps,
  id: string,
  report: HealthReport,
): Promise<ReportResult> {
  const result = await deps.store.report(id, report, deps.now());
  if (result === "recorded" && !report.ok) await advanceRollout(deps, id);
  return result;
}

/** Pause, resume or cancel (by `decidedBy`); a resumed rollout whose soak already ended advances at once. */
export async function controlRollout(
  deps: RolloutDeps,
  id: string,
  action: ControlAction,
  decidedBy: string,
): Promise<ControlResult> {
  const result = await deps.store.control(id, action, deps.now(), decidedBy);
  if (result.kind === "done" && action === "resume") await advanceRollout(deps, id);
  return result;
}

/**
 * A policy's delivery (CONTRACT: `"rollout"` in a policy): the eligible rows of one drift join the running rollout
 * this policy started for that drift, or start one with the policy's waves. Never applied all at once.
 */
export async function deliverByPolicy(
  deps: RolloutDeps,
  policyId: string,
  plan: RolloutPlan,
  ids: readonly string[],
): Promise<{ readonly rolloutId: string | null; readonly applied: number }> {
  const createdBy = `policy:${policyId}`;
  const extended = await deps.store.extend(createdBy, ids, deps.now());
  if (extended) return { rolloutId: extended, applied: (await advanceRollout(deps, extended)).applied };
  const created = await deps.store.create(
    {
      ids,
      waves: plan.waves,
      maxFailures: plan.max_failures ?? 0,
      rollbackOnHalt: plan.rollback_on_halt ?? false,
      reason: `delivered by policy ${policyId}`,
      createdBy,
    },
    deps.now(),
  );
  if (created.kind !== "created") {
    deps.log?.info("policy rollout not started", { policy_id: policyId, code: created.code });
    return { rolloutId: null, applied: 0 };
  }
  return { rolloutId: created.id, applied: (await advanceRollout(deps, created.id)).applied };
}
