import type { RolloutStore, WebBases } from "@drift/core/model";
import type { Sql } from "../client";
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
    async decidedBy(queueId) {
      const [row] = await sql<{ decided_by: string | null }[]>`
        SELECT decided_by FROM plugin_update_queue WHERE id = ${queueId}::uuid`;
      return row?.decided_by ?? null;
    },
    report: (id, report) => recordReport(sql, id, report),
    control: (id, action, now, by) => controlRollout(sql, id, action, now, by),
    get: (id, now) => getRollout(sql, id, now, bases),
    list: (status, now) => listRollouts(sql, status, now, bases),
  };
}
