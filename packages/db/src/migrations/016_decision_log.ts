/**
 * The decision log (issue 25): one row per decision ever made on a queue row (apply, dismiss, reopen, rollback,
 * and those a policy or a rollout makes), with who, when, why and the status it moved from and to. Written by the
 * decision path in the decision's own transaction (decisions/decision-store.ts); `history` reads it newest first.
 *
 * Append-only: a trigger refuses UPDATE and DELETE (a reopen adds an entry, never removes one), and the
 * application role may only read and insert. Decisions made before this migration are carried in from the queue
 * rows that record them (their last decision: that is all the old columns kept).
 */
export default /* sql */ `
CREATE TABLE IF NOT EXISTS drift_decision_log (
  -- Insertion order: the history's newest-first order and its cursor.
  seq bigserial PRIMARY KEY,
  queue_id uuid NOT NULL,
  workspace_id uuid NOT NULL,
  plugin_name text NOT NULL,
  -- apply, dismiss, reopen, rollback (and any action later added to the decision path).
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  -- The drift decided on: current_sha -> latest_sha of the queue row at that moment.
  current_sha text NOT NULL,
  latest_sha text NOT NULL,
  decided_by text NOT NULL,
  reason text,
  hold_until timestamptz,
  decided_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS drift_decision_log_queue ON drift_decision_log (queue_id, seq DESC);
CREATE INDEX IF NOT EXISTS drift_decision_log_workspace ON drift_decision_log (workspace_id, seq DESC);

CREATE OR REPLACE FUNCTION drift_decision_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'drift_decision_log is append-only: % refused', TG_OP USING ERRCODE = '42501';
END $$;
DROP TRIGGER IF EXISTS drift_decision_log_append_only ON drift_decision_log;
CREATE TRIGGER drift_decision_log_append_only BEFORE UPDATE OR DELETE ON drift_decision_log
  FOR EACH ROW EXECUTE FUNCTION drift_decision_log_append_only();

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'drift_app') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON TABLE drift_decision_log FROM drift_app;
    GRANT SELECT, INSERT ON TABLE drift_decision_log TO drift_app;
    GRANT USAGE, SELECT ON SEQUENCE drift_decision_log_seq_seq TO drift_app;
  END IF;
END $$;

-- Decisions made before the log: each decided row's last decision, oldest first (so seq keeps their order).
INSERT INTO drift_decision_log (queue_id, workspace_id, plugin_name, action, from_status, to_status,
  current_sha, latest_sha, decided_by, reason, hold_until, decided_at)
SELECT q.id, q.workspace_id, q.plugin_name,
       CASE q.status WHEN 'applied' THEN 'apply' WHEN 'dismissed' THEN 'dismiss' ELSE 'reopen' END,
       CASE q.status WHEN 'pending' THEN 'dismissed' ELSE 'pending' END,
       q.status, q.current_sha, q.latest_sha, coalesce(q.decided_by, 'unknown'), q.decision_reason,
       q.hold_until, coalesce(q.decided_at, q.updated_at, q.created_at)
FROM plugin_update_queue q
-- Applied and dismissed rows (the platform's own, without decided_at, too); a pending row with a decider was
-- reopened.
WHERE (q.status IN ('applied', 'dismissed') OR (q.status = 'pending' AND q.decided_by IS NOT NULL
    AND q.decided_at IS NOT NULL))
  AND NOT EXISTS (SELECT 1 FROM drift_decision_log l WHERE l.queue_id = q.id)
ORDER BY coalesce(q.decided_at, q.updated_at, q.created_at), q.id;
`;
