/**
 * Notifications (CONTRACT "notifications"): subscriptions, and a delivery log per subscription fed from the event
 * outbox. `drift_event_outbox.notified_at` is the fan-out's own mark beside `published_at` (the platform's bus):
 * the two consumers advance independently. Events already in the outbox when this runs are not notified.
 */
export default /* sql */ `
CREATE TABLE IF NOT EXISTS drift_notification_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url text NOT NULL,
  format text NOT NULL CHECK (format IN ('slack', 'json')),
  events text[] NOT NULL,
  -- The HMAC key of json bodies: read only to sign, never answered by the API.
  secret text,
  digest text CHECK (digest IN ('daily')),
  last_digest_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS drift_notification_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subscription_id uuid NOT NULL REFERENCES drift_notification_subscriptions (id) ON DELETE CASCADE,
  event_id uuid,
  event_type text,
  kind text NOT NULL CHECK (kind IN ('event', 'digest', 'test')),
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'held', 'digested')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_error text,
  response_code integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX IF NOT EXISTS drift_notification_deliveries_due
  ON drift_notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS drift_notification_deliveries_log
  ON drift_notification_deliveries (subscription_id, created_at DESC);
ALTER TABLE drift_event_outbox ADD COLUMN IF NOT EXISTS notified_at timestamptz;
UPDATE drift_event_outbox SET notified_at = coalesce(published_at, now()) WHERE notified_at IS NULL;
CREATE INDEX IF NOT EXISTS drift_event_outbox_unnotified
  ON drift_event_outbox (created_at) WHERE notified_at IS NULL;
`;
