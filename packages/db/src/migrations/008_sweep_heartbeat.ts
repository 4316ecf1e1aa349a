/**
 * A dispatching sweep beats a heartbeat after every page of work, so a dead one (killed, or its Lambda timed out)
 * is recognised within minutes and taken over, instead of blocking sweeps for half an hour.
 */
export default /* sql */ `
ALTER TABLE drift_sweeps ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz NOT NULL DEFAULT now();
`;
