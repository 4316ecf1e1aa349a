/**
 * Transactional outbox for the events the admin API publishes (`plugin.update.applied`): the event row is written
 * in the same transaction as the apply, and published after commit. A crash between commit and publish leaves the
 * row unpublished, and the next flush sends it (at least once; consumers dedupe on detail.queue_id).
 */
export default /* sql */ `
CREATE TABLE IF NOT EXISTS drift_event_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_type text NOT NULL,
  detail jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX IF NOT EXISTS drift_event_outbox_unpublished
  ON drift_event_outbox (created_at) WHERE published_at IS NULL;
`;
