/**
 * Safe delivery (issue 22): the `rolled_back` status and its hold, and rollouts (one drift delivered to many
 * workspaces in waves, with health reports).
 *
 * A rolled-back row holds its drift (same plugin, current_sha → latest_sha) as a dismissal without `hold_until`
 * does: the drift statement (drift-store.ts) opens no pending row for it again until upstream moves on.
 */
export default /* sql */ `
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'plugin_update_queue'::regclass
             AND conname = 'plugin_update_queue_status_known'
             AND pg_get_constraintdef(oid) NOT ILIKE '%rolled_back%') THEN
    ALTER TABLE plugin_update_queue DROP CONSTRAINT plugin_update_queue_status_known;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'plugin_update_queue'::regclass
                 AND conname = 'plugin_update_queue_status_known') THEN
    ALTER TABLE plugin_update_queue ADD CONSTRAINT plugin_update_queue_status_known
      CHECK (status IN ('pending', 'applied', 'dismissed', 'superseded', 'rolled_back'));
  END IF;
END $$;

-- The hold lookup of the drift statement for rolled-back rows.
CREATE INDEX IF NOT EXISTS plugin_update_queue_rolled_back
  ON plugin_update_queue (workspace_id, plugin_name) WHERE status = 'rolled_back';

CREATE TABLE IF NOT EXISTS drift_rollouts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status text NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'paused', 'halted', 'completed', 'cancelled')),
  source_raw text,
  tracked_ref text NOT NULL,
  latest_sha text NOT NULL,
  target_key text,
  max_failures integer NOT NULL DEFAULT 0 CHECK (max_failures >= 0),
  rollback_on_halt boolean NOT NULL DEFAULT false,
  reason text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- When the soak of the last started wave ends (the next wave, or completion, is due then).
  next_due_at timestamptz,
  ended_at timestamptz
);
CREATE INDEX IF NOT EXISTS drift_rollouts_active ON drift_rollouts (next_due_at)
  WHERE status IN ('running', 'paused');
CREATE INDEX IF NOT EXISTS drift_rollouts_recent ON drift_rollouts (created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS drift_rollout_waves (
  rollout_id uuid NOT NULL REFERENCES drift_rollouts (id) ON DELETE CASCADE,
  idx integer NOT NULL,
  -- As asked: a count, 'P%' or 'rest'.
  size text NOT NULL,
  soak text NOT NULL,
  soak_ms bigint NOT NULL CHECK (soak_ms >= 0),
  -- Set once, by the one tick (or the creating request) that starts the wave.
  started_at timestamptz,
  PRIMARY KEY (rollout_id, idx)
);

CREATE TABLE IF NOT EXISTS drift_rollout_rows (
  rollout_id uuid NOT NULL REFERENCES drift_rollouts (id) ON DELETE CASCADE,
  queue_id uuid NOT NULL,
  workspace_id uuid NOT NULL,
  plugin_name text NOT NULL,
  wave integer NOT NULL,
  -- Delivery order (canaries first, then workspace_id order).
  position integer NOT NULL,
  -- waiting: not applied yet; applied: applied by this rollout; left: refreshed or decided by someone else;
  -- stopped: the rollout ended (halted or cancelled) before its wave; rolled_back: applied, then rolled back.
  state text NOT NULL DEFAULT 'waiting'
    CHECK (state IN ('waiting', 'applied', 'left', 'stopped', 'rolled_back')),
  -- The worst health reported: 'failed' stays once reported.
  health text CHECK (health IN ('ok', 'failed')),
  detail text,
  decided_at timestamptz,
  PRIMARY KEY (rollout_id, queue_id)
);
-- A queue row is waiting in at most one rollout (the 409 of a second one, and the race between two creations).
CREATE UNIQUE INDEX IF NOT EXISTS drift_rollout_rows_waiting
  ON drift_rollout_rows (queue_id) WHERE state = 'waiting';
CREATE INDEX IF NOT EXISTS drift_rollout_rows_plugin
  ON drift_rollout_rows (rollout_id, workspace_id, plugin_name);
-- Policy delivery skips rows waiting in a rollout, or stopped by a halt or a cancel (policy-sweep.ts).
CREATE INDEX IF NOT EXISTS drift_rollout_rows_queue ON drift_rollout_rows (queue_id);

-- A policy may deliver through a rollout: {"waves": [...], "max_failures"?, "rollback_on_halt"?}.
ALTER TABLE drift_policies ADD COLUMN IF NOT EXISTS rollout jsonb;
`;
