import type { Sql } from "@drift/db";

/** The packet and comparison of every pending row, as stored (one line per distinct drift). */
export function packets(sql: Sql) {
  return sql<
    {
      target_key: string;
      current_sha: string;
      latest_sha: string;
      rows: number;
      repo_url: string | null;
      to_version: string | null;
      from_version: string | null;
      commits_ahead: number | null;
      related: boolean | null;
      committed_at: Date | null;
      signature: string | null;
      release: Record<string, unknown> | null;
      packet_status: string | null;
      compare_status: string | null;
    }[]
  >`
    SELECT q.target_key, lower(q.current_sha) AS current_sha, lower(q.latest_sha) AS latest_sha,
           count(*)::int AS rows, p.repo_url, p.to_version, c.from_version, c.commits_ahead, c.related,
           p.committed_at, p.signature, p.release, p.status AS packet_status, c.status AS compare_status
    FROM plugin_update_queue q
    LEFT JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
    LEFT JOIN drift_review_compares c ON c.target_key = q.target_key AND c.current_sha = lower(q.current_sha)
      AND c.latest_sha = lower(q.latest_sha)
    WHERE q.status = 'pending'
    GROUP BY 1, 2, 3, p.repo_url, p.to_version, c.from_version, c.commits_ahead, c.related, p.committed_at,
      p.signature, p.release, p.status, c.status
    ORDER BY 1, 2`;
}

/** Empties the packet tables (the sweep environment truncates the others). */
export async function clearPackets(sql: Sql): Promise<void> {
  await sql`TRUNCATE drift_review_packets, drift_review_compares`;
}
