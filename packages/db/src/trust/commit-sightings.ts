import { repoKey, type TargetOutcome } from "@drift/core/model";
import type { Sql } from "../client";

/**
 * The cooldown's clock (CONTRACT "policies"): the moment this sweeper first resolved a commit of a repository.
 * Written in the message's drift transaction, the first time any resolution returns the commit; never moved
 * later (a commit seen again keeps its first sighting, whatever dates its author wrote into it).
 */
export async function recordSightings(
  tx: Sql,
  outcomes: readonly TargetOutcome[],
  seenAt: Date,
): Promise<void> {
  const seen = new Map<string, { repo: string; sha: string }>();
  for (const o of outcomes) {
    if (o.resolution.status !== "resolved") continue;
    const repo = repoKey(o.target);
    const sha = o.resolution.sha.toLowerCase();
    seen.set(`${repo}\n${sha}`, { repo, sha });
  }
  if (seen.size === 0) return;
  const rows = [...seen.values()].sort((a, b) => (a.repo + a.sha < b.repo + b.sha ? -1 : 1));
  // In key order: two messages inserting the same commits never wait on each other in a cycle.
  await tx`
    INSERT INTO drift_commit_sightings (repo_key, commit_sha, first_seen_at)
    SELECT r, c, ${seenAt}::timestamptz
    FROM unnest(${rows.map((r) => r.repo)}::text[], ${rows.map((r) => r.sha)}::text[]) AS x(r, c)
    ON CONFLICT (repo_key, commit_sha) DO NOTHING`;
}
