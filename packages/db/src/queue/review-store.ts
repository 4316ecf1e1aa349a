import type { ReviewRecord, ReviewStore, WantedReview } from "@drift/core/model";
import type { Sql } from "../client";
import { pgText } from "../pg-text";
import { pendingOfTargets } from "./pending-of-targets";

/**
 * Review packets (see @drift/core review.ts): which drifts still want one, and keeping what was fetched. A packet
 * is stored once per (target, latest_sha), a comparison once per (target, current_sha, latest_sha), whatever the
 * number of queue rows that share them; rows join them on read.
 */

/** A packet that failed this often is no longer fetched (its fields stay null): a broken host costs bounded. */
export const MAX_REVIEW_ATTEMPTS = 10;

/**
 * What a packet is fetched with now: 2 = the release's `immutable` and the annotated tag's signature. A complete
 * packet of an older version is fetched once more (its trust may be higher than it knew); until that succeeds it
 * keeps what it had, and failed refreshes count towards {@link MAX_REVIEW_ATTEMPTS} like any failure.
 */
export const PACKET_VERSION = 2;

/** A stored packet `p` worth fetching again: failed, or complete but of an older {@link PACKET_VERSION}. */
const stalePacket = (sql: Sql) =>
  sql`(p.status = 'failed' OR p.packet_version < ${PACKET_VERSION}) AND p.attempts < ${MAX_REVIEW_ATTEMPTS}`;

/** The drifts of these targets that still want their packet or comparison (pending rows only). */
export async function wantedReviews(sql: Sql, targetKeys: readonly string[]): Promise<WantedReview[]> {
  if (targetKeys.length === 0) return [];
  const rows = await sql<WantedRow[]>`
    SELECT d.target_key, d.current_sha, d.latest_sha, d.resolved_tag,
           (p.target_key IS NULL OR (${stalePacket(sql)})) AS need_commit,
           (c.target_key IS NULL OR (c.status = 'failed' AND c.attempts < ${MAX_REVIEW_ATTEMPTS})) AS need_compare
    FROM (
      SELECT q.target_key, lower(q.current_sha) AS current_sha, lower(q.latest_sha) AS latest_sha,
             max(q.resolved_tag) AS resolved_tag
      FROM ${pendingOfTargets(sql, targetKeys)}
      GROUP BY 1, 2, 3
    ) d
    LEFT JOIN drift_review_packets p ON p.target_key = d.target_key AND p.latest_sha = d.latest_sha
    LEFT JOIN drift_review_compares c
      ON c.target_key = d.target_key AND c.current_sha = d.current_sha AND c.latest_sha = d.latest_sha
    WHERE p.target_key IS NULL OR (${stalePacket(sql)})
       OR c.target_key IS NULL OR (c.status = 'failed' AND c.attempts < ${MAX_REVIEW_ATTEMPTS})`;
  return rows.map(toWanted);
}

type WantedRow = {
  target_key: string;
  current_sha: string;
  latest_sha: string;
  resolved_tag: string | null;
  need_commit: boolean;
  need_compare: boolean;
};

const toWanted = (r: WantedRow): WantedReview => ({
  targetKey: r.target_key,
  currentSha: r.current_sha,
  latestSha: r.latest_sha,
  resolvedTag: r.resolved_tag,
  needCommit: r.need_commit,
  needCompare: r.need_compare,
});

/**
 * The drifts these resolutions are about to open, read before they are recorded (so their packets can be fetched
 * while the drift rows are written): the mapped followers of each target whose answer moved since it was last
 * recorded (or was never resolved), not in sync with it, whose packet or comparison is not stored. A guess (the
 * drift rows decide; a dismissal may hold one): a target whose answer did not move costs one key probe.
 */
export async function predictedReviews(
  sql: Sql,
  resolved: readonly { targetKey: string; sha: string; tag: string | null }[],
): Promise<WantedReview[]> {
  if (resolved.length === 0) return [];
  const rows = await sql<WantedRow[]>`
    WITH resolved AS (
      SELECT DISTINCT ON (target_key) target_key, lower(sha) AS sha, tag
      FROM unnest(${resolved.map((r) => r.targetKey)}::text[], ${resolved.map((r) => r.sha)}::text[],
                  ${resolved.map((r) => pgText(r.tag))}::text[]) AS r(target_key, sha, tag)
    ),
    moved AS MATERIALIZED (
      SELECT r.* FROM resolved r LEFT JOIN drift_targets t ON t.key = r.target_key
      WHERE t.last_resolved_at IS NULL OR r.sha IS DISTINCT FROM lower(t.last_sha)
    ),
    -- The followers of the moved targets only, through the by-target index (OFFSET 0 keeps the lateral from being
    -- flattened into a hash join that reads the whole mapping table: 300 ms a message at 100,000 rows).
    d AS (
      SELECT r.target_key, lower(m.installed_sha) AS current_sha, r.sha AS latest_sha, max(r.tag) AS resolved_tag
      FROM moved r
      CROSS JOIN LATERAL (SELECT x.installed_sha FROM drift_plugin_targets x WHERE x.target_key = r.target_key
        OFFSET 0) m
      WHERE length(m.installed_sha) BETWEEN 7 AND 64 AND m.installed_sha ~ '^[0-9A-Fa-f]+$'
        AND NOT (starts_with(r.sha, lower(m.installed_sha)) OR starts_with(lower(m.installed_sha), r.sha))
      GROUP BY 1, 2, 3
    )
    SELECT d.target_key, d.current_sha, d.latest_sha, d.resolved_tag,
           (p.target_key IS NULL OR (p.status = 'failed' AND p.attempts < ${MAX_REVIEW_ATTEMPTS})) AS need_commit,
           (c.target_key IS NULL OR (c.status = 'failed' AND c.attempts < ${MAX_REVIEW_ATTEMPTS})) AS need_compare
    FROM d
    LEFT JOIN drift_review_packets p ON p.target_key = d.target_key AND p.latest_sha = d.latest_sha
    LEFT JOIN drift_review_compares c
      ON c.target_key = d.target_key AND c.current_sha = d.current_sha AND c.latest_sha = d.latest_sha
    WHERE p.target_key IS NULL OR (p.status = 'failed' AND p.attempts < ${MAX_REVIEW_ATTEMPTS})
       OR c.target_key IS NULL OR (c.status = 'failed' AND c.attempts < ${MAX_REVIEW_ATTEMPTS})`;
  return rows.map(toWanted);
}

const NOTES_MAX = 2000;

/** The packet columns of the records that carry one. */
function packetRows(records: readonly ReviewRecord[]) {
  return records.flatMap((r) => {
    if (!r.commit) return [];
    const res = r.commit.result;
    const v = res.ok ? res.value : null;
    const release = v?.release
      ? {
          tag: pgText(v.release.tag, 255),
          name: pgText(v.release.name, 500),
          url: pgText(v.release.url, 2000),
          published_at: v.release.published_at,
          prerelease: v.release.prerelease,
          notes: pgText(v.release.notes, NOTES_MAX),
          immutable: v.release.immutable ?? null,
        }
      : null;
    return [
      {
        target_key: r.targetKey,
        latest_sha: r.latestSha.toLowerCase(),
        repo_url: pgText(v?.repoUrl, 2000),
        to_version: pgText(r.commit.toVersion, 255),
        tagged_at: pgText(r.commit.taggedAt, 100),
        committed_at: v?.committedAt ?? null,
        signature: v?.signature ?? null,
        tag_signature: v?.tagSignature ?? null,
        release,
        status: res.ok ? "complete" : "failed",
        attempts: res.ok || res.deferred ? 0 : 1,
        last_error: res.ok ? null : pgText(res.error, 500),
      },
    ];
  });
}

/** Keeps fetched packets (complete) and failures (fields null, attempts counted unless only deferred). */
export async function recordReviews(sql: Sql, records: readonly ReviewRecord[]): Promise<void> {
  const packets = packetRows(records);
  const compares = records.flatMap((r) =>
    r.compares.map((c) => ({
      target_key: r.targetKey,
      current_sha: c.currentSha.toLowerCase(),
      latest_sha: r.latestSha.toLowerCase(),
      from_version: pgText(c.fromVersion, 255),
      commits_ahead: c.result.ok ? c.result.value.commitsAhead : null,
      related: c.result.ok ? c.result.value.related : null,
      status: c.result.ok ? "complete" : "failed",
      attempts: c.result.ok || c.result.deferred ? 0 : 1,
      last_error: c.result.ok ? null : pgText(c.result.error, 500),
    })),
  );
  if (packets.length) await storePackets(sql, packets);
  if (compares.length) {
    await sql`
      INSERT INTO drift_review_compares AS c
        (target_key, current_sha, latest_sha, from_version, commits_ahead, related, status, attempts, last_error)
      SELECT target_key, current_sha, latest_sha, from_version, commits_ahead, related, status, attempts, last_error
      FROM jsonb_to_recordset(${sql.json(compares)}::jsonb) AS x(target_key text, current_sha text, latest_sha text,
        from_version text, commits_ahead int, related boolean, status text, attempts int, last_error text)
      ON CONFLICT (target_key, current_sha, latest_sha) DO UPDATE SET from_version = EXCLUDED.from_version,
        commits_ahead = EXCLUDED.commits_ahead, related = EXCLUDED.related, status = EXCLUDED.status,
        attempts = c.attempts + EXCLUDED.attempts, last_error = EXCLUDED.last_error, fetched_at = now()
      WHERE c.status <> 'complete'`;
  }
}

/** Upserts packets. A complete packet is replaced only by a complete one of a newer {@link PACKET_VERSION}. */
async function storePackets(sql: Sql, packets: ReturnType<typeof packetRows>): Promise<void> {
  await sql`
      INSERT INTO drift_review_packets AS p
        (target_key, latest_sha, repo_url, to_version, committed_at, signature, release, status, attempts, last_error,
         tagged_at, tag_signature, packet_version)
      SELECT target_key, latest_sha, repo_url, to_version, committed_at, signature, release, status, attempts, last_error,
             drift_timestamptz(tagged_at), tag_signature, ${PACKET_VERSION}
      FROM jsonb_to_recordset(${sql.json(packets)}::jsonb) AS x(target_key text, latest_sha text, repo_url text,
        to_version text, committed_at timestamptz, signature text, release jsonb, status text, attempts int,
        last_error text, tagged_at text, tag_signature text)
      ON CONFLICT (target_key, latest_sha) DO UPDATE SET repo_url = EXCLUDED.repo_url,
        to_version = EXCLUDED.to_version, committed_at = EXCLUDED.committed_at, signature = EXCLUDED.signature,
        tagged_at = coalesce(EXCLUDED.tagged_at, p.tagged_at), tag_signature = EXCLUDED.tag_signature,
        release = EXCLUDED.release, status = EXCLUDED.status, attempts = p.attempts + EXCLUDED.attempts,
        last_error = EXCLUDED.last_error, fetched_at = now(), packet_version = EXCLUDED.packet_version
      WHERE p.status <> 'complete' OR (EXCLUDED.status = 'complete' AND p.packet_version < EXCLUDED.packet_version)`;
  const failedRefresh = packets.filter((p) => p.status === "failed" && p.attempts > 0);
  if (failedRefresh.length)
    await sql`
        UPDATE drift_review_packets p SET attempts = p.attempts + 1, last_error = x.last_error
        FROM jsonb_to_recordset(${sql.json(failedRefresh)}::jsonb) AS x(target_key text, latest_sha text,
          last_error text)
        WHERE p.target_key = x.target_key AND p.latest_sha = x.latest_sha AND p.status = 'complete'
          AND p.packet_version < ${PACKET_VERSION}`;
}

/** The Postgres implementation of the review packet store port. */
export function createReviewStore(sql: Sql): ReviewStore {
  return {
    wantedReviews: (keys) => wantedReviews(sql, keys),
    predictedReviews: (resolved) => predictedReviews(sql, resolved),
    recordReviews: (records) => recordReviews(sql, records),
  };
}
