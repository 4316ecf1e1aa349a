/**
 * Supply-chain policies (issue 12): per-scope policies (minimum release age, auto-apply), and the tag-integrity
 * ledger: every tag of a followed repository as observed (tag → commit, first/last seen, deleted), the version a
 * `tag:latest` / `semver:` target chose last, and the integrity events (re-pointed, deleted, re-created tags,
 * downgrades) found by comparing new observations with them. Also the index that finds expired dismissal holds.
 */
export default /* sql */ `
CREATE TABLE IF NOT EXISTS drift_policies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid,
  plugin_name text,
  auto_apply text NOT NULL DEFAULT 'none' CHECK (auto_apply IN ('none', 'patch', 'minor', 'major', 'any')),
  -- As given ('72h'); NULL: DRIFT_MIN_RELEASE_AGE applies.
  min_release_age text,
  min_release_age_ms bigint CHECK (min_release_age_ms >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (plugin_name IS NULL OR workspace_id IS NOT NULL)
);
-- One policy per scope (global, workspace, plugin).
CREATE UNIQUE INDEX IF NOT EXISTS drift_policies_scope
  ON drift_policies ((coalesce(workspace_id::text, '')), (coalesce(plugin_name, '')));

CREATE TABLE IF NOT EXISTS drift_tag_ledger (
  repo_key text NOT NULL,
  tag text NOT NULL,
  -- The commit the tag pointed to when last seen (as the host listed it: lower case).
  commit_sha text NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  -- Set while the tag is gone.
  deleted_at timestamptz,
  PRIMARY KEY (repo_key, tag)
);

CREATE TABLE IF NOT EXISTS drift_target_versions (
  target_key text PRIMARY KEY,
  tag text NOT NULL,
  commit_sha text NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS drift_integrity_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('tag_repointed', 'tag_deleted', 'tag_recreated', 'version_downgrade')),
  repo_key text NOT NULL,
  tag text NOT NULL,
  target_key text,
  previous_tag text,
  previous_sha text,
  new_sha text,
  sweep_id uuid,
  detected_at timestamptz NOT NULL DEFAULT now()
);
-- A host's date that is not one is unknown (NULL), never an error that rolls back a sweep message.
CREATE OR REPLACE FUNCTION drift_timestamptz(value text) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN value::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;

CREATE INDEX IF NOT EXISTS drift_integrity_events_recent ON drift_integrity_events (detected_at DESC, id DESC);

-- The drift statement's third candidate set (drift-store.ts): dismissal holds that expired since a target was last
-- resolved, found by a range on hold_until rather than a scan of the queue.
CREATE INDEX IF NOT EXISTS plugin_update_queue_hold_expiry
  ON plugin_update_queue (hold_until) WHERE status = 'dismissed' AND hold_until IS NOT NULL;
`;
