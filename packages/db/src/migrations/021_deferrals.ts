/**
 * Re-checks of kind `deferred` (issue 23): targets a worker did not resolve in time (its deadline, a host timing
 * out twice), re-queued with a short backoff as a re-check of their own. `kind` tells them from webhook and
 * operator re-checks (only those measure detection latency); `attempt` is the re-queue's number. Idempotent.
 */
export default /* sql */ `
ALTER TABLE drift_rechecks ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'webhook';
ALTER TABLE drift_rechecks ADD COLUMN IF NOT EXISTS attempt integer;
ALTER TABLE drift_rechecks DROP CONSTRAINT IF EXISTS drift_rechecks_kind_check;
ALTER TABLE drift_rechecks ADD CONSTRAINT drift_rechecks_kind_check CHECK (kind IN ('webhook', 'deferred'));
`;
