/**
 * The index of pending rows by target was partial (`WHERE status = 'pending'`), like the pending-unique arbiter.
 * On an empty or freshly truncated queue the planner costs a full scan of any partial index whose predicate the
 * query implies as cheaply as a probe, and the drift statement's lookup of a plugin's pending row (by workspace
 * and plugin) picked the target index: a scan of every pending row per plugin while concurrent messages filled
 * the queue (315 ms of a 540 ms statement in the W1 benchmark). A plain index is only considered where its leading
 * column is constrained, so the lookup now always probes the arbiter; status as a second column keeps lookups by
 * target as narrow as before. `plugin_update_queue_hold_until` duplicated `plugin_update_queue_hold_expiry`
 * (011): one index fewer to maintain on every queue write.
 */
export default /* sql */ `
CREATE INDEX IF NOT EXISTS plugin_update_queue_target ON plugin_update_queue (target_key, status, latest_sha);
DROP INDEX IF EXISTS plugin_update_queue_packet;
DROP INDEX IF EXISTS plugin_update_queue_hold_until;
`;
