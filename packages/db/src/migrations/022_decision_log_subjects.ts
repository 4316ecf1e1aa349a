/**
 * The decision log holds policy and rollout actions too (issue 25: "every apply, dismiss, reopen, rollback, policy
 * and rollout action, with who, when, why, from → to"). `subject` says what an entry is about: `update` (a queue
 * row, as before: every column of migration 016 still required), `policy` (set or removed: `from_value` and
 * `to_value` are the policy before and after, null where there was none) or `rollout` (started, paused, resumed,
 * cancelled, halted: from_status → to_status). `subject_id` is the policy's or the rollout's id. ALTERs only:
 * the append-only trigger still refuses every UPDATE and DELETE of an entry. Constraints dropped and re-added:
 * idempotent.
 */
export default /* sql */ `
ALTER TABLE drift_decision_log ADD COLUMN IF NOT EXISTS subject text NOT NULL DEFAULT 'update';
ALTER TABLE drift_decision_log ADD COLUMN IF NOT EXISTS subject_id text;
ALTER TABLE drift_decision_log ADD COLUMN IF NOT EXISTS from_value jsonb;
ALTER TABLE drift_decision_log ADD COLUMN IF NOT EXISTS to_value jsonb;
ALTER TABLE drift_decision_log
  ALTER COLUMN queue_id DROP NOT NULL,
  ALTER COLUMN workspace_id DROP NOT NULL,
  ALTER COLUMN plugin_name DROP NOT NULL,
  ALTER COLUMN current_sha DROP NOT NULL,
  ALTER COLUMN latest_sha DROP NOT NULL,
  ALTER COLUMN to_status DROP NOT NULL;
ALTER TABLE drift_decision_log DROP CONSTRAINT IF EXISTS drift_decision_log_subject_check;
ALTER TABLE drift_decision_log ADD CONSTRAINT drift_decision_log_subject_check CHECK (
  (subject = 'update' AND queue_id IS NOT NULL AND workspace_id IS NOT NULL AND plugin_name IS NOT NULL
    AND current_sha IS NOT NULL AND latest_sha IS NOT NULL AND to_status IS NOT NULL)
  OR (subject IN ('policy', 'rollout') AND queue_id IS NULL AND subject_id IS NOT NULL));
CREATE INDEX IF NOT EXISTS drift_decision_log_subject ON drift_decision_log (subject, subject_id, seq DESC);
`;
