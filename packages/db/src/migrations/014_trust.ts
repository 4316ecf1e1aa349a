/**
 * Trust (issue 21, CONTRACT "trust" and the changed "policies" clock):
 * - `drift_commit_sightings`: when this sweeper first resolved a commit of a repository (`first_seen_at`), the
 *   cooldown's clock where no immutable release vouches for the date. Written once, never moved later.
 * - `drift_policies.require_trust` (`require` in the API): none | signed | immutable.
 * - the `trust_downgrade` integrity event, recorded once per (target, commit) (its unique index).
 * - `drift_trust(…)`: a packet's trust (immutable_release, signed, none; NULL while not looked up).
 *
 * Existing pending rows: their new commit is taken as first seen at the latest of the date their ready_at was
 * computed from (release, tagger, committer date, or when queued) and when the row last changed, so no pending
 * row becomes ready earlier than it was before this migration.
 */
export default /* sql */ `
CREATE TABLE IF NOT EXISTS drift_commit_sightings (
  -- repoKey() of the target: provider:host/owner/repo (lower case)
  repo_key text NOT NULL,
  commit_sha text NOT NULL,
  first_seen_at timestamptz NOT NULL,
  PRIMARY KEY (repo_key, commit_sha)
);

INSERT INTO drift_commit_sightings (repo_key, commit_sha, first_seen_at)
SELECT split_part(q.target_key, '#', 1), lower(q.latest_sha),
       max(greatest(coalesce(drift_timestamptz(p.release->>'published_at'), p.tagged_at, p.committed_at, q.updated_at),
                    q.updated_at))
FROM plugin_update_queue q
LEFT JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
WHERE q.status = 'pending' AND q.target_key IS NOT NULL
GROUP BY 1, 2
ON CONFLICT (repo_key, commit_sha) DO NOTHING;

ALTER TABLE drift_policies ADD COLUMN IF NOT EXISTS require_trust text NOT NULL DEFAULT 'none';
ALTER TABLE drift_policies DROP CONSTRAINT IF EXISTS drift_policies_require_trust_check;
ALTER TABLE drift_policies ADD CONSTRAINT drift_policies_require_trust_check
  CHECK (require_trust IN ('none', 'signed', 'immutable'));

ALTER TABLE drift_integrity_events DROP CONSTRAINT IF EXISTS drift_integrity_events_kind_check;
ALTER TABLE drift_integrity_events ADD CONSTRAINT drift_integrity_events_kind_check
  CHECK (kind IN ('tag_repointed', 'tag_deleted', 'tag_recreated', 'version_downgrade', 'trust_downgrade'));
-- A trust downgrade names the trust before and after (NULL for the tag events).
ALTER TABLE drift_integrity_events ADD COLUMN IF NOT EXISTS previous_trust text;
ALTER TABLE drift_integrity_events ADD COLUMN IF NOT EXISTS trust text;
CREATE UNIQUE INDEX IF NOT EXISTS drift_integrity_events_trust_once
  ON drift_integrity_events (target_key, new_sha) WHERE kind = 'trust_downgrade';

-- What a version is vouched for by, from its review packet: NULL while the packet is not complete.
CREATE OR REPLACE FUNCTION drift_trust(status text, signature text, release jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN status IS DISTINCT FROM 'complete' THEN NULL
              WHEN release->>'immutable' = 'true' THEN 'immutable_release'
              WHEN signature = 'valid' THEN 'signed'
              WHEN signature IS NULL THEN NULL
              ELSE 'none' END
$$;
-- Its order: a downgrade is a lower rank than the version replaced.
CREATE OR REPLACE FUNCTION drift_trust_rank(trust text) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE trust WHEN 'immutable_release' THEN 2 WHEN 'signed' THEN 1 WHEN 'none' THEN 0 END
$$;
`;
