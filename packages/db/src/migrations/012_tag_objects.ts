/**
 * Tag objects (issue 12): the annotated tag's tagger date beside the review packet (the drift's date for
 * `ready_at` when the tag has no release), and the tag object id in the tag-integrity ledger and its events, so
 * a tag deleted and re-created as a new annotated object on the same commit is seen. NULL: a lightweight tag, or
 * not known (rows from before, or a host whose answers do not say).
 */
export default /* sql */ `
ALTER TABLE drift_review_packets ADD COLUMN IF NOT EXISTS tagged_at timestamptz;
ALTER TABLE drift_tag_ledger ADD COLUMN IF NOT EXISTS tag_object text;
ALTER TABLE drift_integrity_events ADD COLUMN IF NOT EXISTS previous_tag_object text;
ALTER TABLE drift_integrity_events ADD COLUMN IF NOT EXISTS tag_object text;
`;
