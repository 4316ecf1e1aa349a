/**
 * Decisions an operator can make and keep (issue 11): who decided, when, why, until when a dismissal holds, when
 * a row becomes ready; and the review packet of each distinct drift, stored with its target and joined into rows.
 *
 * A dismissal holds while its `hold_until` is NULL or in the future (see drift-store.ts). Rows dismissed before
 * this migration keep `hold_until` NULL, so they hold for good; a pending row that the old sweeper re-opened for a
 * drift that was already dismissed is dismissed again here (that is what the operator had decided).
 */
export default /* sql */ `
ALTER TABLE plugin_update_queue
  ADD COLUMN IF NOT EXISTS hold_until timestamptz,
  ADD COLUMN IF NOT EXISTS decided_by text,
  ADD COLUMN IF NOT EXISTS decision_reason text,
  ADD COLUMN IF NOT EXISTS ready_at timestamptz,
  ADD COLUMN IF NOT EXISTS drift_kind text,
  ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS decided_at timestamptz,
  -- The target the drift was detected on: the review packet is joined through it.
  ADD COLUMN IF NOT EXISTS target_key text;

-- The hold lookup of the drift statement: dismissed rows of one plugin.
CREATE INDEX IF NOT EXISTS plugin_update_queue_dismissed
  ON plugin_update_queue (workspace_id, plugin_name) WHERE status = 'dismissed';
-- Holds that run out: the drift statement compares their plugins again (drift-store.ts).
CREATE INDEX IF NOT EXISTS plugin_update_queue_hold_until
  ON plugin_update_queue (hold_until) WHERE status = 'dismissed' AND hold_until IS NOT NULL;
-- History and decisions, newest decision first.
CREATE INDEX IF NOT EXISTS plugin_update_queue_decided
  ON plugin_update_queue (decided_at DESC, id DESC) WHERE decided_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS plugin_update_queue_packet
  ON plugin_update_queue (target_key, latest_sha) WHERE status = 'pending';

-- What is known about the new commit of one drift (target, latest_sha): fetched once, shared by every row.
CREATE TABLE IF NOT EXISTS drift_review_packets (
  target_key text NOT NULL,
  latest_sha text NOT NULL,
  repo_url text,
  to_version text,
  committed_at timestamptz,
  signature text CHECK (signature IN ('valid', 'invalid', 'unsigned')),
  release jsonb,
  status text NOT NULL DEFAULT 'failed' CHECK (status IN ('complete', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_key, latest_sha)
);

-- The comparison of one drift (target, current_sha → latest_sha): commits ahead, related histories, from version.
CREATE TABLE IF NOT EXISTS drift_review_compares (
  target_key text NOT NULL,
  current_sha text NOT NULL,
  latest_sha text NOT NULL,
  from_version text,
  commits_ahead integer,
  -- true: latest_sha descends from current_sha's history; false: unrelated histories; NULL: unknown.
  related boolean,
  status text NOT NULL DEFAULT 'failed' CHECK (status IN ('complete', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_key, current_sha, latest_sha)
);

-- Rows written before this migration: the target they were detected on, when the mapping still says so.
UPDATE plugin_update_queue q SET target_key = m.target_key
FROM workspace_plugins wp JOIN drift_plugin_targets m
  ON m.plugin_id = wp.id AND m.source_raw = wp.source_raw AND m.tracked_ref = wp.tracked_ref
WHERE q.target_key IS NULL AND wp.workspace_id = q.workspace_id AND wp.plugin_name = q.plugin_name
  AND q.tracked_ref = wp.tracked_ref;

-- The old sweeper re-opened dismissed drifts every hour: those pending rows carry the earlier decision again.
UPDATE plugin_update_queue p
SET status = 'dismissed', decided_at = coalesce(p.decided_at, now()), updated_at = now(),
    decided_by = coalesce(p.decided_by, 'migration'),
    decision_reason = coalesce(p.decision_reason, 'the same drift was dismissed before this sweeper kept dismissals')
WHERE p.status = 'pending' AND EXISTS (
  SELECT 1 FROM plugin_update_queue d
  WHERE d.status = 'dismissed' AND d.workspace_id = p.workspace_id AND d.plugin_name = p.plugin_name
    AND lower(d.current_sha) = lower(p.current_sha) AND lower(d.latest_sha) = lower(p.latest_sha)
    AND (d.hold_until IS NULL OR d.hold_until > now()));
`;
