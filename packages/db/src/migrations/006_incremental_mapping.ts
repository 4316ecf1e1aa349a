/**
 * Incremental mapping: a row problem keeps the columns it was decided on, so the mapping pass can select, in
 * SQL, only the rows that changed since they were last looked at (mappings already keep source_raw/tracked_ref).
 * NULL on problems written before this migration: those rows are looked at once more, then recorded in full.
 */
export default /* sql */ `
ALTER TABLE drift_row_problems ADD COLUMN IF NOT EXISTS source_raw text;
ALTER TABLE drift_row_problems ADD COLUMN IF NOT EXISTS tracked_ref text;
ALTER TABLE drift_row_problems ADD COLUMN IF NOT EXISTS installed_sha text;
`;
