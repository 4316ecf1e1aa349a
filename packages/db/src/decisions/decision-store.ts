import type {
  DecisionRecord,
  DecisionStore,
  DecisionTx,
  LockedPlugin,
  LockedQueueRow,
} from "@drift/core/model";
import type postgres from "postgres";
import type { Sql } from "../client";
import { writeOutboxEvent } from "../events/event-outbox";
import { pgText } from "../pg-text";

/**
 * The SQL of a decision (the port `DecisionStore`; the rules are @drift/core decide.ts): ONE transaction that
 * locks the queue row (`FOR UPDATE`), then the plugin row, and writes the decision, the installed commit and the
 * outbox event together. Concurrent decisions on one id serialise on the queue row's lock.
 */

/** Deadlocks and serialization failures are safe to retry: the transaction did nothing. */
async function retryingTransaction<T>(
  sql: Sql,
  body: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await sql.begin(body)) as T;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 3 || (code !== "40P01" && code !== "40001")) throw error;
    }
  }
}

/** The reason as stored: trimmed, at most 500 characters, NUL-free; null when empty. */
const reasonOf = (reason: string | undefined): string | null => {
  const text = pgText(reason?.trim(), 500);
  return text ? text : null;
};

function decisionTx(tx: postgres.TransactionSql): DecisionTx {
  return {
    async lockPlugin(row) {
      const [plugin] = await tx<LockedPlugin[]>`
        SELECT id, installed_sha, source_raw, tracked_ref FROM workspace_plugins
        WHERE workspace_id = ${row.workspace_id}::uuid AND plugin_name = ${row.plugin_name} FOR UPDATE`;
      return plugin ?? null;
    },
    async otherPending(row) {
      const [other] = await tx<{ id: string }[]>`
        SELECT id FROM plugin_update_queue
        WHERE workspace_id = ${row.workspace_id}::uuid AND plugin_name = ${row.plugin_name} AND status = 'pending'`;
      return other?.id ?? null;
    },
    async record(row: LockedQueueRow, record: DecisionRecord) {
      const reason = reasonOf(record.reason) ?? record.defaultReason ?? null;
      const [done] = await tx<{ decided_at: Date }[]>`
        UPDATE plugin_update_queue SET status = ${record.status}, decided_at = now(), updated_at = now(),
          decided_by = ${pgText(record.decidedBy, 300) ?? "unknown"}, decision_reason = ${reason},
          hold_until = ${record.holdUntil}
        WHERE id = ${row.id} RETURNING decided_at`;
      return done?.decided_at ?? null;
    },
    async install(plugin, sha) {
      await tx`UPDATE workspace_plugins SET installed_sha = ${sha}, updated_at = now() WHERE id = ${plugin.id}`;
    },
    async writeEvent(type, detail) {
      await writeOutboxEvent(tx, type, detail);
    },
  };
}

/**
 * The decision store over postgres.js.
 *
 * @example
 * const outcome = await decide(createDecisionStore(sql), id, "dismiss", { decidedBy: "cli" });
 */
export function createDecisionStore(sql: Sql): DecisionStore {
  return {
    withLockedRow(id, now, body, workspaceId) {
      return retryingTransaction(sql, async (tx) => {
        const [row] = await tx<LockedQueueRow[]>`
          SELECT id, workspace_id, plugin_name, current_sha, latest_sha, status, decided_at, tracked_ref,
                 source_raw, ready_at,
                 coalesce(ready_at > coalesce(${now ?? null}::timestamptz, now()), false) AS cooling
          FROM plugin_update_queue
          WHERE id = ${id}::uuid AND (${workspaceId ?? null}::uuid IS NULL OR workspace_id = ${workspaceId ?? null}::uuid)
          FOR UPDATE`;
        return body(row ?? null, decisionTx(tx));
      });
    },
  };
}
