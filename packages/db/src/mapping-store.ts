import { formatTrackedRef, type MappedPage, type PluginRow } from "@drift/core";
import type { Sql } from "./client";

/**
 * Reads one page of workspace_plugins in primary-key order (keyset: never OFFSET), so memory stays bounded
 * and a page costs an index range scan whatever the table size. Each row comes with what the last mapping pass
 * recorded for it, so that an unchanged row costs no write (no row lock, no WAL) hour after hour.
 */
export async function pagePluginRows(sql: Sql, afterId: string | null, limit: number): Promise<PluginRow[]> {
  const rows = await sql<
    (PluginRow & {
      m_key: string | null;
      m_source_raw: string | null;
      m_tracked_ref: string | null;
      m_drift_kind: string | null;
      p_status: string | null;
      p_reason: string | null;
    })[]
  >`
    SELECT w.id, w.source_raw, w.tracked_ref, w.installed_sha,
      m.target_key AS m_key, m.source_raw AS m_source_raw, m.tracked_ref AS m_tracked_ref, m.drift_kind AS m_drift_kind,
      p.status AS p_status, p.reason AS p_reason
    FROM (SELECT id, source_raw, tracked_ref, installed_sha FROM workspace_plugins
          ${afterId === null ? sql`` : sql`WHERE id > ${afterId}::uuid`} ORDER BY id LIMIT ${limit}) w
    -- LATERAL … LIMIT 1: one primary-key probe per row of the page. A plain LEFT JOIN is planned as a hash join
    -- that reads the whole mapping table for every page (274 ms against 66 ms a page at a million rows).
    LEFT JOIN LATERAL (SELECT * FROM drift_plugin_targets x WHERE x.plugin_id = w.id LIMIT 1) m ON true
    LEFT JOIN LATERAL (SELECT * FROM drift_row_problems y WHERE y.plugin_id = w.id LIMIT 1) p ON true
    ORDER BY w.id`;
  return rows.map((r) => ({
    id: r.id,
    source_raw: r.source_raw,
    tracked_ref: r.tracked_ref,
    installed_sha: r.installed_sha,
    recorded: {
      target_key: r.m_key,
      source_raw: r.m_source_raw,
      tracked_ref: r.m_tracked_ref,
      drift_kind: r.m_drift_kind,
      problem_status: r.p_status,
      problem_reason: r.p_reason,
    },
  }));
}

/**
 * Records what a page of rows means, in four set-based statements whatever the page size: the distinct
 * targets, each plugin's mapping (written only when it changed), and the problems of rows not followed.
 */
export async function recordMappings(sql: Sql, page: MappedPage): Promise<{ superseded: number }> {
  const changed = page.mappings.filter((m) => !m.unchanged);
  const problems = page.problems.filter((p) => !p.unchanged);
  if (changed.length === 0 && problems.length === 0) return { superseded: 0 };
  const targets = new Map(changed.map((m) => [m.target.key, m.target]));
  const t = [...targets.values()];
  return sql.begin(async (tx) => {
    if (t.length > 0) {
      await tx`
        INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref)
        SELECT * FROM unnest(${t.map((x) => x.key)}::text[], ${t.map((x) => x.provider)}::text[],
          ${t.map((x) => x.host)}::text[], ${t.map((x) => x.owner)}::text[], ${t.map((x) => x.repo)}::text[],
          ${t.map((x) => formatTrackedRef(x.ref))}::text[])
        ON CONFLICT (key) DO NOTHING`;
    }
    const m = changed;
    if (m.length > 0) {
      await tx`
        INSERT INTO drift_plugin_targets AS d (plugin_id, target_key, source_raw, tracked_ref, drift_kind)
        SELECT * FROM unnest(${m.map((x) => x.pluginId)}::uuid[], ${m.map((x) => x.target.key)}::text[],
          ${m.map((x) => x.sourceRaw)}::text[], ${m.map((x) => x.trackedRef)}::text[], ${m.map((x) => x.driftKind)}::text[])
        ON CONFLICT (plugin_id) DO UPDATE SET target_key = EXCLUDED.target_key, source_raw = EXCLUDED.source_raw,
          tracked_ref = EXCLUDED.tracked_ref, drift_kind = EXCLUDED.drift_kind, mapped_at = now()
        WHERE (d.target_key, d.source_raw, d.tracked_ref, d.drift_kind)
          IS DISTINCT FROM (EXCLUDED.target_key, EXCLUDED.source_raw, EXCLUDED.tracked_ref, EXCLUDED.drift_kind)`;
      await tx`DELETE FROM drift_row_problems WHERE plugin_id = ANY(${m.map((x) => x.pluginId)}::uuid[])`;
    }
    const p = problems;
    if (p.length > 0) {
      const ids = p.map((x) => x.pluginId);
      await tx`DELETE FROM drift_plugin_targets WHERE plugin_id = ANY(${ids}::uuid[])`;
      await tx`
        INSERT INTO drift_row_problems AS r (plugin_id, status, reason)
        SELECT * FROM unnest(${ids}::uuid[], ${p.map((x) => x.status)}::text[], ${p.map((x) => x.reason)}::text[])
        ON CONFLICT (plugin_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, seen_at = now()
        WHERE (r.status, r.reason) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.reason)`;
    }
    // A plugin re-pointed to another repository or ref, or no longer tracked: its pending update is for something
    // it no longer follows, and must never be approved ("never leave a stale SHA to be approved").
    const ids = [...changed.map((x) => x.pluginId), ...problems.map((x) => x.pluginId)];
    const stale = await tx`
      UPDATE plugin_update_queue q SET status = 'superseded', decided_at = now(), updated_at = now()
      FROM workspace_plugins w
      WHERE w.id = ANY(${ids}::uuid[]) AND q.status = 'pending'
        AND q.workspace_id = w.workspace_id AND q.plugin_name = w.plugin_name
        AND (q.tracked_ref <> w.tracked_ref OR q.source_raw <> w.source_raw)`;
    return { superseded: stale.count };
  });
}

/**
 * Forgets mappings and problems of plugins the platform deleted, and targets nobody has followed for a week
 * (kept that long so that a plugin re-installed soon keeps its ETag and backoff). Set-based statements.
 */
export async function pruneMappings(sql: Sql): Promise<number> {
  const a = await sql`DELETE FROM drift_plugin_targets d
    WHERE NOT EXISTS (SELECT 1 FROM workspace_plugins w WHERE w.id = d.plugin_id)`;
  const b = await sql`DELETE FROM drift_row_problems d
    WHERE NOT EXISTS (SELECT 1 FROM workspace_plugins w WHERE w.id = d.plugin_id)`;
  const c = await sql`DELETE FROM drift_targets t WHERE t.updated_at < now() - interval '7 days'
    AND NOT EXISTS (SELECT 1 FROM drift_plugin_targets m WHERE m.target_key = t.key)`;
  return a.count + b.count + c.count;
}

/**
 * Refreshes the planner's statistics of the sweeper's own tables after a mapping pass: the first sweep over a
 * large installation fills them from nothing, long before autovacuum would notice, and the worker's join plans
 * depend on knowing how many plugins follow each target. ANALYZE samples (about 30,000 rows): sub-second.
 */
export async function analyzeMappings(sql: Sql): Promise<void> {
  await sql`ANALYZE drift_plugin_targets`;
  await sql`ANALYZE drift_targets`;
}
