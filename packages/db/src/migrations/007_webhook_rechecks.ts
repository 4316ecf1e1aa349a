/**
 * Webhook re-checks (issue 13): deliveries seen (replays queue nothing), re-checks queued (the `sweepId` of their
 * messages, which the worker records apart from sweeps), one coalescing guard per repository, and an index that
 * finds a repository's targets by host and full name, case-insensitively.
 */
export default /* sql */ `
CREATE TABLE IF NOT EXISTS drift_webhook_deliveries (
  route text NOT NULL,
  delivery_id text NOT NULL,
  event text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (route, delivery_id)
);
CREATE INDEX IF NOT EXISTS drift_webhook_deliveries_received ON drift_webhook_deliveries (received_at);

-- One row per re-check. Its messages carry its id as sweepId; the worker recognises it here and records the
-- outcome without touching sweep bookkeeping (drift_sweep_messages, drift_targets.last_sweep_id).
CREATE TABLE IF NOT EXISTS drift_rechecks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  repo_key text NOT NULL,
  target_count integer NOT NULL,
  messages integer NOT NULL,
  -- The first delivery this re-check covers (detection latency is measured from it).
  requested_at timestamptz NOT NULL DEFAULT now(),
  run_at timestamptz NOT NULL,
  done_seqs integer[] NOT NULL DEFAULT '{}',
  done_at timestamptz,
  targets_resolved integer NOT NULL DEFAULT 0,
  targets_failed integer NOT NULL DEFAULT 0,
  drift_new integer NOT NULL DEFAULT 0,
  drift_refreshed integer NOT NULL DEFAULT 0,
  drift_superseded integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS drift_rechecks_requested ON drift_rechecks (requested_at);

-- Per repository: when its latest re-check runs and which targets that one covers (coalescing bursts).
CREATE TABLE IF NOT EXISTS drift_recheck_guards (
  repo_key text PRIMARY KEY,
  run_at timestamptz,
  target_keys text[] NOT NULL DEFAULT '{}',
  recheck_id uuid
);

CREATE INDEX IF NOT EXISTS drift_targets_repository
  ON drift_targets (provider, lower(host), lower(owner), lower(repo));
`;
