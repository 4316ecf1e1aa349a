import type { Sql } from "../client";

/**
 * FROM item: the pending queue rows of these targets, as `q`, driven from the keys through the by-target index
 * (migration 013). OFFSET 0 keeps the lateral from being flattened: while a first sweep fills the queue its
 * statistics lag behind, and `q.target_key = ANY(…)` was planned as a scan of every pending row, per message.
 */
export function pendingOfTargets(sql: Sql, targetKeys: readonly string[]) {
  return sql`(SELECT DISTINCT unnest(${targetKeys as string[]}::text[]) AS key) k
    CROSS JOIN LATERAL (SELECT * FROM plugin_update_queue x WHERE x.target_key = k.key AND x.status = 'pending'
      OFFSET 0) q`;
}
