import type {
  ApplyVerdict,
  Log,
  Notifier,
  RolloutDecisions,
  RolloutStore,
  RowVerdict,
  WebBases,
} from "@drift/core";
import type { Sql } from "../client";
import { decide } from "../decisions/decision-store";
import { publishPendingEvents } from "../events/event-outbox";
import { createRollout, extendRollout } from "./rollout-create";
import {
  controlRollout,
  dueRollouts,
  haltIfFailing,
  markLeft,
  markRow,
  recordReport,
  rolloutWork,
  startDueWave,
} from "./rollout-state";
import { getRollout, listRollouts } from "./rollout-view";

/** The rollout port ({@link RolloutStore}) over Postgres. */
export function createRolloutStore(sql: Sql, bases: WebBases = {}): RolloutStore {
  return {
    create: (input, now) => createRollout(sql, input, now),
    extend: (createdBy, ids, now) => extendRollout(sql, createdBy, ids, now),
    due: (now, limit) => dueRollouts(sql, now, limit),
    markLeft: (id) => markLeft(sql, id),
    haltIfFailing: (id, now) => haltIfFailing(sql, id, now),
    startDueWave: (id, now) => startDueWave(sql, id, now),
    work: (id) => rolloutWork(sql, id),
    markRow: (id, queueId, verdict) => markRow(sql, id, queueId, verdict),
    report: (id, report) => recordReport(sql, id, report),
    control: (id, action, now) => controlRollout(sql, id, action, now),
    get: (id, now) => getRollout(sql, id, now, bases),
    list: (status, now) => listRollouts(sql, status, now, bases),
  };
}

/**
 * The one decision path as a rollout uses it: each row applied or rolled back by {@link decide} (its own
 * transaction, row locks, guards, outbox event) with `decided_by = rollout:<id>`. A row applied earlier by this
 * rollout (a crash before its mark) counts as applied; any refusal, or a row decided by someone else, leaves.
 */
export function createRolloutDecisions(
  sql: Sql,
  notifier: Notifier | undefined,
  log?: Log,
): RolloutDecisions {
  const byRollout = async (queueId: string, rolloutId: string) => {
    const [row] = await sql<{ decided_by: string | null }[]>`
      SELECT decided_by FROM plugin_update_queue WHERE id = ${queueId}::uuid`;
    return row?.decided_by === `rollout:${rolloutId}`;
  };
  return {
    async apply(queueId, rolloutId, latestSha): Promise<ApplyVerdict> {
      const outcome = await decide(sql, queueId, "apply", {
        decidedBy: `rollout:${rolloutId}`,
        expectedLatestSha: latestSha,
      });
      if (outcome.kind === "applied") return "applied";
      if (outcome.kind === "already_applied" && (await byRollout(queueId, rolloutId)))
        return "applied_before";
      if (outcome.kind === "conflict")
        log?.info("rollout row left", { rollout_id: rolloutId, queue_id: queueId, code: outcome.code });
      return "left";
    },
    async rollback(queueId, rolloutId): Promise<RowVerdict> {
      const outcome = await decide(sql, queueId, "rollback", {
        decidedBy: `rollout:${rolloutId}`,
        reason: `rollout ${rolloutId} halted`,
      });
      if (outcome.kind === "rolled_back" || outcome.kind === "already_rolled_back") return "rolled_back";
      if (outcome.kind === "conflict")
        log?.warn("rollout rollback refused", {
          rollout_id: rolloutId,
          queue_id: queueId,
          code: outcome.code,
        });
      return "left";
    },
    async publish() {
      // The outbox drains 25 a call: until empty (bounded), or until a publish fails (kept for the next drain).
      for (let round = 0; notifier && round < 400; round++) {
        const drained = await publishPendingEvents(sql, notifier, log);
        if (drained.failed > 0 || drained.published === 0) break;
      }
    },
  };
}
