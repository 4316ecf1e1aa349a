/**
 * The platform's tables (docs/contracts.md), written so that they also apply cleanly over the tables the Go sweeper
 * this project replaces left behind:
 * every statement is IF NOT EXISTS, and the status check is widened to allow `superseded`.
 */
export default /* sql */ `
CREATE TABLE IF NOT EXISTS workspace_plugins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL,
  plugin_name text NOT NULL,
  source_raw text NOT NULL,
  tracked_ref text NOT NULL DEFAULT 'none',
  installed_sha text,
  installed_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, plugin_name)
);

CREATE TABLE IF NOT EXISTS plugin_update_queue (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL,
  plugin_name text NOT NULL,
  tracked_ref text NOT NULL,
  current_sha text NOT NULL,
  latest_sha text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS plugin_update_queue_pending_unique
  ON plugin_update_queue (workspace_id, plugin_name) WHERE status = 'pending';

ALTER TABLE plugin_update_queue
  ADD COLUMN IF NOT EXISTS drift_kind text,
  ADD COLUMN IF NOT EXISTS resolved_tag text,
  ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS decided_at timestamptz,
  ADD COLUMN IF NOT EXISTS sweep_id uuid;

-- The Go sweeper's table may carry a status check without 'superseded': replace it with one that has all four.
DO $$
DECLARE c record;
BEGIN
  FOR c IN
    SELECT conname FROM pg_constraint
    WHERE conrelid = 'plugin_update_queue'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) ILIKE '%status%' AND conname <> 'plugin_update_queue_status_known'
  LOOP
    EXECUTE format('ALTER TABLE plugin_update_queue DROP CONSTRAINT %I', c.conname);
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'plugin_update_queue'::regclass
                 AND conname = 'plugin_update_queue_status_known') THEN
    ALTER TABLE plugin_update_queue ADD CONSTRAINT plugin_update_queue_status_known
      CHECK (status IN ('pending', 'applied', 'dismissed', 'superseded'));
  END IF;
END $$;

CREATE INDEX IF NOT EXISTS plugin_update_queue_status_created
  ON plugin_update_queue (status, created_at DESC, id DESC);
`;
