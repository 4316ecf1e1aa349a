/**
 * Incremental mapping and comparison. A mapping and a row problem keep the columns they were decided on
 * (source_raw, tracked_ref, installed_sha), so the mapping pass selects, in SQL, only the rows that changed since
 * they were last looked at; the (target_key, mapped_at) index lets the worker compare, for a target whose answer
 * did not change, only the plugins mapped since it was last resolved. NULL on rows written before this
 * migration: those rows are looked at once more, then recorded in full.
 */
export default /* sql */ `
ALTER TABLE drift_plugin_targets ADD COLUMN IF NOT EXISTS installed_sha text;
ALTER TABLE drift_row_problems ADD COLUMN IF NOT EXISTS source_raw text;
ALTER TABLE drift_row_problems ADD COLUMN IF NOT EXISTS tracked_ref text;
ALTER TABLE drift_row_problems ADD COLUMN IF NOT EXISTS installed_sha text;
CREATE INDEX IF NOT EXISTS drift_plugin_targets_target_mapped ON drift_plugin_targets (target_key, mapped_at);
-- Served by the index above (its first column): one index less to write per mapping.
DROP INDEX IF EXISTS drift_plugin_targets_target;
`;
