import { PLUGIN_UPDATE_ROLLED_BACK, type PluginUpdateRolledBack } from "@drift/core";
import type postgres from "postgres";
import { writeOutboxEvent } from "../events/event-outbox";
import { pgText } from "../pg-text";

/**
 * Rollback of an applied queue row (CONTRACT "rollback"), inside the one decision transaction of decide(): the
 * plugin goes back to the row's current_sha, the row becomes `rolled_back` (which holds that drift as a
 * dismissal without `hold_until` does, see drift-store.ts) and the event is written to the outbox.
 */

/** The locked queue row, as decide() read it. */
export interface RollbackRow {
  readonly id: string;
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly current_sha: string;
  readonly latest_sha: string;
}

export type RollbackResult =
  | { readonly kind: "rolled_back"; readonly decidedAt: Date; readonly event: PluginUpdateRolledBack }
  | { readonly kind: "plugin_missing" | "moved_since"; readonly installed: string | null };

/**
 * Rolls back one applied row whose plugin still has installed_sha = latest_sha (else `moved_since`: the plugin
 * moved on since, and putting the old commit back would undo someone else's change).
 */
export async function rollbackApplied(
  tx: postgres.TransactionSql,
  row: RollbackRow,
  decidedBy: string,
  reason: string | null,
): Promise<RollbackResult> {
  const [plugin] = await tx<{ id: string; installed_sha: string | null }[]>`
    SELECT id, installed_sha FROM workspace_plugins
    WHERE workspace_id = ${row.workspace_id}::uuid AND plugin_name = ${row.plugin_name} FOR UPDATE`;
  if (!plugin) return { kind: "plugin_missing", installed: null };
  if ((plugin.installed_sha ?? "").toLowerCase() !== row.latest_sha.toLowerCase())
    return { kind: "moved_since", installed: plugin.installed_sha };
  await tx`UPDATE workspace_plugins SET installed_sha = ${row.current_sha}, updated_at = now()
           WHERE id = ${plugin.id}`;
  const by = pgText(decidedBy, 300) ?? "unknown";
  const [done] = await tx<{ decided_at: Date }[]>`
    UPDATE plugin_update_queue SET status = 'rolled_back', decided_at = now(), updated_at = now(),
      decided_by = ${by}, decision_reason = ${reason}, hold_until = NULL
    WHERE id = ${row.id} RETURNING decided_at`;
  const decidedAt = done?.decided_at ?? new Date();
  const event: PluginUpdateRolledBack = {
    workspace_id: row.workspace_id,
    plugin_name: row.plugin_name,
    from_sha: row.latest_sha,
    to_sha: row.current_sha,
    queue_id: row.id,
    rolled_back_at: decidedAt.toISOString(),
    decided_by: by,
  };
  await writeOutboxEvent(tx, PLUGIN_UPDATE_ROLLED_BACK, event);
  return { kind: "rolled_back", decidedAt, event };
}
