import type { Sql } from "../client";
import { pendingOfTargets } from "../queue/pending-of-targets";

/**
 * Trust downgrades (CONTRACT "trust"): a pending row whose new version is vouched for by less than the version it
 * replaces. The installed version's trust is its packet for the same target (the sweeper resolved it there as a
 * drift once); no packet, or one not complete: unknown, and no downgrade is claimed. Found after the packets are
 * stored; each is recorded once per (target, commit) by the unique index of migration 014, so a redelivered
 * message or a webhook re-check of the same drift records nothing more.
 *
 * @returns how many events this call recorded.
 */
export async function recordTrustDowngrades(sql: Sql, targetKeys: readonly string[]): Promise<number> {
  if (targetKeys.length === 0) return 0;
  const rows = await sql`
    INSERT INTO drift_integrity_events (kind, repo_key, tag, target_key, previous_tag, previous_sha, new_sha,
      previous_trust, trust)
    SELECT DISTINCT ON (q.target_key, lower(q.latest_sha)) 'trust_downgrade', split_part(q.target_key, '#', 1),
           coalesce(p.to_version, q.resolved_tag, lower(q.latest_sha)), q.target_key, p0.to_version,
           lower(q.current_sha), lower(q.latest_sha), drift_trust(p0.status, p0.signature, p0.release, p0.tag_signature),
           drift_trust(p.status, p.signature, p.release, p.tag_signature)
    FROM ${pendingOfTargets(sql, targetKeys)}
    JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
    JOIN drift_review_packets p0 ON p0.target_key = q.target_key AND p0.latest_sha = lower(q.current_sha)
    WHERE drift_trust_rank(drift_trust(p.status, p.signature, p.release, p.tag_signature))
          < drift_trust_rank(drift_trust(p0.status, p0.signature, p0.release, p0.tag_signature))
    ORDER BY q.target_key, lower(q.latest_sha), q.id
    ON CONFLICT (target_key, new_sha) WHERE kind = 'trust_downgrade' DO NOTHING
    RETURNING 1`;
  return rows.length;
}

/**
 * SQL fragment: the trust of the packet `p` (new version) and of `p0` (the installed version, same target), for
 * row listings and the policy step; the caller joins both.
 */
export const TRUST_COLUMNS = `drift_trust(p.status, p.signature, p.release, p.tag_signature) AS trust,
  drift_trust(p0.status, p0.signature, p0.release, p0.tag_signature) AS previous_trust`;
