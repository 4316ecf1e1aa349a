/**
 * The pending rows by target (review packets, ready_at, policies: `target_key = ANY(…)`) get an index whose
 * predicate names `target_key`, so that only those queries can use it. Before, the drift statement's lookup of a
 * plugin's pending row (workspace_id, plugin_name) was planned, on a small or freshly emptied queue, as a full scan
 * of the equally cheap-looking partial `plugin_update_queue_packet` instead of a probe of
 * plugin_update_queue_pending_unique: every pending row read once per compared plugin (315 ms of a 540 ms W1
 * message; seconds per message during a first sweep over a million plugins). The drift statement also finds the
 * plugins holding a pending row of no recorded target (rows written before target_key existed, or by other
 * writers) through a small partial index of its own. `plugin_update_queue_hold_until` duplicated
 * `plugin_update_queue_hold_expiry` (011): one index fewer to maintain on every queue write.
 */
export default /* sql */ `
DROP INDEX IF EXISTS plugin_update_queue_packet;
CREATE INDEX IF NOT EXISTS plugin_update_queue_pending_target
  ON plugin_update_queue (target_key, latest_sha) WHERE status = 'pending' AND target_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS plugin_update_queue_pending_untargeted
  ON plugin_update_queue (workspace_id, plugin_name) WHERE status = 'pending' AND target_key IS NULL;
DROP INDEX IF EXISTS plugin_update_queue_hold_until;
`;
