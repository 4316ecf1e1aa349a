/** The sweeper's own state: distinct targets, which plugin follows which target, and sweep runs. */
export default /* sql */ `
-- One row per distinct (host, repo, tracked ref): what was last resolved, and when to look again.
CREATE TABLE IF NOT EXISTS drift_targets (
  key text PRIMARY KEY,
  provider text NOT NULL,
  host text NOT NULL,
  owner text NOT NULL,
  repo text NOT NULL,
  tracked_ref text NOT NULL,
  last_sha text,
  last_tag text,
  etag text,
  last_error_kind text,
  last_error text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  next_check_at timestamptz NOT NULL DEFAULT now(),
  last_checked_at timestamptz,
  last_resolved_at timestamptz,
  -- The sweep that last finished with this target (resolved, or failed for good): a redelivered message skips it.
  last_sweep_id uuid,
  -- The sweep that last tried it: a failure counts once per sweep however often SQS redelivers.
  last_attempt_sweep_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS drift_targets_failing ON drift_targets (last_error_kind) WHERE last_error_kind IS NOT NULL;

-- Which target a workspace plugin follows, as parsed from the row's source_raw/tracked_ref at mapping time.
-- The worker joins on those two columns too, so a row the platform changed since is never matched stale.
CREATE TABLE IF NOT EXISTS drift_plugin_targets (
  plugin_id uuid PRIMARY KEY,
  target_key text NOT NULL,
  source_raw text NOT NULL,
  tracked_ref text NOT NULL,
  drift_kind text NOT NULL,
  mapped_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS drift_plugin_targets_target ON drift_plugin_targets (target_key);

CREATE TABLE IF NOT EXISTS drift_sweeps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status text NOT NULL DEFAULT 'dispatching'
    CHECK (status IN ('dispatching', 'dispatched', 'completed', 'failed', 'abandoned')),
  trigger text NOT NULL DEFAULT 'schedule',
  started_at timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz,
  completed_at timestamptz,
  rows_scanned integer NOT NULL DEFAULT 0,
  rows_skipped integer NOT NULL DEFAULT 0,
  rows_invalid integer NOT NULL DEFAULT 0,
  targets_dispatched integer NOT NULL DEFAULT 0,
  messages_sent integer NOT NULL DEFAULT 0,
  error text
);
-- At most one sweep dispatches at a time: a duplicate schedule event loses the race on this index.
CREATE UNIQUE INDEX IF NOT EXISTS drift_sweeps_one_dispatching ON drift_sweeps ((true)) WHERE status = 'dispatching';
CREATE INDEX IF NOT EXISTS drift_sweeps_started ON drift_sweeps (started_at DESC);

-- One row per SQS message of a sweep; a worker overwrites (never adds to) its counters, so replays count once.
CREATE TABLE IF NOT EXISTS drift_sweep_messages (
  sweep_id uuid NOT NULL,
  seq integer NOT NULL,
  target_count integer NOT NULL,
  status text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'done', 'retrying')),
  targets_resolved integer NOT NULL DEFAULT 0,
  -- Accumulated over deliveries, each target counted in the delivery that finished it.
  targets_failed integer NOT NULL DEFAULT 0,
  -- Transient failures of the latest delivery (retried by SQS).
  targets_retrying integer NOT NULL DEFAULT 0,
  targets_deferred integer NOT NULL DEFAULT 0,
  drift_new integer NOT NULL DEFAULT 0,
  drift_refreshed integer NOT NULL DEFAULT 0,
  drift_superseded integer NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  done_at timestamptz,
  PRIMARY KEY (sweep_id, seq)
);

-- Rows skipped or invalid in the last mapping pass, with the reason (for operators; bounded by the table size).
CREATE TABLE IF NOT EXISTS drift_row_problems (
  plugin_id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('skipped', 'invalid')),
  reason text NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now()
);
`;
