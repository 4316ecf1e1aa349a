/**
 * Trust, completed (issue 21, CONTRACT "trust": "the new commit's, or the annotated tag's, signature is valid"):
 * - `drift_review_packets.tag_signature`: the annotated tag's signature verdict (valid, invalid, unsigned; NULL: no
 *   annotated tag, or not looked up because the commit's signature or an immutable release already decides).
 * - `drift_review_packets.packet_version`: what a packet was fetched with. Packets stored before this migration
 *   (version 1) know neither the tag's signature nor, before 014, `release.immutable`: they are fetched once more
 *   (review-store.ts `PACKET_VERSION`) so their trust becomes known instead of staying lower than it is.
 * - `drift_trust(status, signature, release, tag_signature)`: the 014 rule with the tag's signature counted.
 */
export default /* sql */ `
ALTER TABLE drift_review_packets ADD COLUMN IF NOT EXISTS tag_signature text;
ALTER TABLE drift_review_packets ADD COLUMN IF NOT EXISTS packet_version int NOT NULL DEFAULT 1;

CREATE OR REPLACE FUNCTION drift_trust(status text, signature text, release jsonb, tag_signature text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN status IS DISTINCT FROM 'complete' THEN NULL
              WHEN release->>'immutable' = 'true' THEN 'immutable_release'
              WHEN signature = 'valid' OR tag_signature = 'valid' THEN 'signed'
              WHEN signature IS NULL THEN NULL
              ELSE 'none' END
$$;
`;
