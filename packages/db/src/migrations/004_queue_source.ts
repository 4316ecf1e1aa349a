/**
 * The source a pending update was detected for, so that an update for a plugin the platform has since re-pointed
 * (another repository or ref) or stopped tracking is never approved: the mapping pass supersedes it and apply
 * refuses it. NULL on rows written before this migration (only tracked_ref is compared for them).
 */
export default /* sql */ `
ALTER TABLE plugin_update_queue ADD COLUMN IF NOT EXISTS source_raw text;
ALTER TABLE drift_sweeps ADD COLUMN IF NOT EXISTS drift_superseded integer NOT NULL DEFAULT 0;
`;
