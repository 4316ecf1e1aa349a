/**
 * A sweep can be recorded as `skipped` (with its reason in `error`): the hourly dispatch found the deployment not
 * configured yet (an empty GitHub credentials secret) and queued nothing. Dropped and re-added: idempotent.
 */
export default /* sql */ `
ALTER TABLE drift_sweeps DROP CONSTRAINT IF EXISTS drift_sweeps_status_check;
ALTER TABLE drift_sweeps ADD CONSTRAINT drift_sweeps_status_check
  CHECK (status IN ('dispatching', 'dispatched', 'completed', 'failed', 'abandoned', 'skipped'));
`;
