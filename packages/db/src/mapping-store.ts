import { formatTrackedRef, type MappedPage, type PluginRow } from "@drift/core";
import type { Sql } from "./client";

/**
 * Up to `cap` rows that need (re)mapping, in no particular order: new rows, and rows whose source_raw, tracked_ref
 * or installed_sha differ from what their mapping or problem recorded. One anti-join over the whole table,
 * decided in SQL: over a million unchanged rows it returns nothing, and nothing is parsed or written.
 */
export async function staleRows(sql: Sql, cap: number): Promise<PluginRow[]> {
  return sql<PluginRow[]>`
    SELECT w.id, w.source_raw, w.tracked_ref, w.installed_sha FROM workspace_plugins w
    WHERE NOT EXISTS (SELECT 1 FROM drift_plugin_targets m
        WHERE m.plugin_id = w.id AND m.source_raw = w.source_raw AND m.tracked_ref = w.tracked_ref
          AND m.installed_sha = w.installed_sha)
      AND NOT EXISTS (SELECT 1 FROM drift_row_problems p
        WHERE p.plugin_id = w.id AND p.source_raw IS NOT DISTINCT FROM w.source_raw
          AND p.tracked_ref IS NOT DISTINCT FROM w.tracked_ref AND p.installed_sha IS NOT DISTINCT FROM w.installed_sha)
    LIMIT ${cap}`;
}

/**
 * Keyset scan: of the next `limit` rows after `afterId` (key order), those that need (re)mapping, and the key the
 * scan reached. One primary-key probe per row into the mapping and problem tables (LATERAL … LIMIT 1: a plain
 * anti-join is planned as a hash join that reads the whole mapping table for every page). For passes where most
 * rows changed (the first sweep of an installation); otherwise {@link staleRows} finds them in one statement.
 */
export async function scanPluginRows(
  sql: Sql,
  afterId: string | null,
  limit: number,
): Promise<{ rows: PluginRow[]; last: string | null }> {
  const page = await sql<(PluginRow & { stale: boolean })[]>`
    SELECT w.id, w.source_raw, w.tracked_ref, w.installed_sha, (m.hit IS NULL AND p.hit IS NULL) AS stale
    FROM (SELECT id, source_raw, tracked_ref, installed_sha FROM workspace_plugins
          ${afterId === null ? sql`` : sql`WHERE id > ${afterId}::uuid`} ORDER BY id LIMIT ${limit}) w
    LEFT JOIN LATERAL (SELECT 1 AS hit FROM drift_plugin_targets x
      WHERE x.plugin_id = w.id AND x.source_raw = w.source_raw AND x.tracked_ref = w.tracked_ref
        AND x.installed_sha = w.installed_sha LIMIT 1) m ON true
    LEFT JOIN LATERAL (SELECT 1 AS hit FROM drift_row_problems y
      WHERE y.plugin_id = w.id AND y.source_raw IS NOT DISTINCT FROM w.source_raw
        AND y.tracked_ref IS NOT DISTINCT FROM w.tracked_ref
        AND y.installed_sha IS NOT DISTINCT FROM w.installed_sha LIMIT 1) p ON true
    ORDER BY w.id`;
  return {
    rows: page.filter((r) => r.stale).map(({ stale: _, ...row }) => row),
    last: page.at(-1)?.id ?? null,
  };
}

/** Index of the first row whose id is greater than `after` in a list sorted by id. */
function firstAfter(rows: readonly PluginRow[], after: string): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((rows[mid] as PluginRow).id <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The store's `pagePluginRows` for one process: pages, in key order, of the rows that need (re)mapping. A pass
 * (`afterId` null) starts with {@link staleRows}: when fewer than `listCap` rows changed (every hourly sweep but
 * the first), the pages are slices of that list; otherwise (first sweep, mass change) they come from a keyset
 * scan. Memory: at most `listCap` rows. (Lower-case UUID text sorts as Postgres orders uuids.)
 */
export function createRowPager(sql: Sql, listCap = 20_000) {
  let list: PluginRow[] | null = null;
  return async function pagePluginRows(afterId: string | null, limit: number): Promise<PluginRow[]> {
    if (afterId === null) {
      const rows = await staleRows(sql, listCap);
      list = rows.length < listCap ? rows.sort((a, b) => (a.id < b.id ? -1 : 1)) : null;
    }
    if (list) {
      const from = afterId === null ? 0 : firstAfter(list, afterId);
      return list.slice(from, from + limit);
    }
    for (let cursor = afterId; ; ) {
      const page = await scanPluginRows(sql, cursor, limit);
      if (page.rows.length > 0 || page.last === null) return page.rows;
      cursor = page.last;
    }
  };
}

/**
 * Records what a page of (new or changed) rows means in ONE statement (data-modifying CTEs run exactly once and
 * atomically): the distinct targets, each plugin's mapping, the problems of rows not followed (each row has one or
 * the other), and the supersession of pending updates of plugins re-pointed or no longer followed ("never leave a
 * stale SHA to be approved"). One round trip and no explicit transaction per page.
 */
export async function recordMappings(sql: Sql, page: MappedPage): Promise<{ superseded: number }> {
  const { mappings: m, problems: p } = page;
  if (m.length === 0 && p.length === 0) return { superseded: 0 };
  const t = [...new Map(m.map((x) => [x.target.key, x.target])).values()];
  const mappedIds = m.map((x) => x.pluginId);
  const problemIds = p.map((x) => x.pluginId);
  const [row] = await sql<{ superseded: number }[]>`
    WITH targets AS (
      INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref)
      SELECT * FROM unnest(${t.map((x) => x.key)}::text[], ${t.map((x) => x.provider)}::text[],
        ${t.map((x) => x.host)}::text[], ${t.map((x) => x.owner)}::text[], ${t.map((x) => x.repo)}::text[],
        ${t.map((x) => formatTrackedRef(x.ref))}::text[])
      ON CONFLICT (key) DO NOTHING
    ),
    mapped AS (
      INSERT INTO drift_plugin_targets AS d (plugin_id, target_key, source_raw, tracked_ref, installed_sha, drift_kind)
      SELECT * FROM unnest(${mappedIds}::uuid[], ${m.map((x) => x.target.key)}::text[],
        ${m.map((x) => x.sourceRaw)}::text[], ${m.map((x) => x.trackedRef)}::text[],
        ${m.map((x) => x.installedSha)}::text[], ${m.map((x) => x.driftKind)}::text[])
      ON CONFLICT (plugin_id) DO UPDATE SET target_key = EXCLUDED.target_key, source_raw = EXCLUDED.source_raw,
        tracked_ref = EXCLUDED.tracked_ref, installed_sha = EXCLUDED.installed_sha, drift_kind = EXCLUDED.drift_kind,
        mapped_at = now()
      WHERE (d.target_key, d.source_raw, d.tracked_ref, d.installed_sha, d.drift_kind) IS DISTINCT FROM
        (EXCLUDED.target_key, EXCLUDED.source_raw, EXCLUDED.tracked_ref, EXCLUDED.installed_sha, EXCLUDED.drift_kind)
    ),
    no_longer_problems AS (DELETE FROM drift_row_problems WHERE plugin_id = ANY(${mappedIds}::uuid[])),
    no_longer_mapped AS (DELETE FROM drift_plugin_targets WHERE plugin_id = ANY(${problemIds}::uuid[])),
    problems AS (
      INSERT INTO drift_row_problems AS r (plugin_id, status, reason, source_raw, tracked_ref, installed_sha)
      SELECT * FROM unnest(${problemIds}::uuid[], ${p.map((x) => x.status)}::text[], ${p.map((x) => x.reason)}::text[],
        ${p.map((x) => x.sourceRaw)}::text[], ${p.map((x) => x.trackedRef)}::text[], ${p.map((x) => x.installedSha)}::text[])
      ON CONFLICT (plugin_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason,
        source_raw = EXCLUDED.source_raw, tracked_ref = EXCLUDED.tracked_ref, installed_sha = EXCLUDED.installed_sha,
        seen_at = now()
    ),
    stale AS (
      UPDATE plugin_update_queue q SET status = 'superseded', decided_at = now(), updated_at = now()
      FROM workspace_plugins w
      WHERE w.id = ANY(${[...mappedIds, ...problemIds]}::uuid[]) AND q.status = 'pending'
        AND q.workspace_id = w.workspace_id AND q.plugin_name = w.plugin_name
        AND (q.tracked_ref <> w.tracked_ref OR q.source_raw <> w.source_raw)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM stale)::int AS superseded`;
  return { superseded: row?.superseded ?? 0 };
}

/** What the mapping pass leaves: every row of workspace_plugins is either mapped or a recorded problem. */
export interface MappingTotals {
  /** Rows in workspace_plugins. */
  readonly rows: number;
  readonly skipped: number;
  readonly invalid: number;
  /** Mappings and problems of deleted plugins (and targets long unfollowed) removed. */
  readonly pruned: number;
}

/**
 * Ends a mapping pass: counts the rows, and forgets mappings and problems of plugins the platform deleted, and
 * targets nobody has followed for a week (kept that long so that a plugin re-installed soon keeps its ETag and
 * backoff). After a pass every row has exactly one mapping or problem, so when the counts add up there is no
 * orphan and the anti-joins are skipped: a pass with nothing deleted costs three counts. (A row inserted and
 * another deleted while the pass ran can hide one orphan until the next pass; orphans are harmless meanwhile:
 * the drift SQL joins workspace_plugins.) Planner statistics are refreshed only after writes (`wrote`).
 */
export async function finishMapping(sql: Sql, wrote: boolean): Promise<MappingTotals> {
  const count = () => sql<{ rows: number; mapped: number; skipped: number; invalid: number }[]>`
    SELECT (SELECT count(*) FROM workspace_plugins)::int AS rows,
      (SELECT count(*) FROM drift_plugin_targets)::int AS mapped,
      count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
      count(*) FILTER (WHERE status = 'invalid')::int AS invalid
    FROM drift_row_problems`;
  let [c] = await count();
  let pruned = 0;
  if (c && c.mapped + c.skipped + c.invalid !== c.rows) {
    pruned = await pruneMappings(sql);
    [c] = await count();
  }
  const d = await sql`DELETE FROM drift_targets t WHERE t.updated_at < now() - interval '7 days'
    AND NOT EXISTS (SELECT 1 FROM drift_plugin_targets m WHERE m.target_key = t.key)`;
  pruned += d.count;
  if (wrote || pruned > 0) await analyzeMappings(sql);
  return { rows: c?.rows ?? 0, skipped: c?.skipped ?? 0, invalid: c?.invalid ?? 0, pruned };
}

/** Forgets mappings and problems of plugins the platform deleted (set-based anti-joins); returns how many. */
export async function pruneMappings(sql: Sql): Promise<number> {
  const a = await sql`DELETE FROM drift_plugin_targets d
    WHERE NOT EXISTS (SELECT 1 FROM workspace_plugins w WHERE w.id = d.plugin_id)`;
  const b = await sql`DELETE FROM drift_row_problems d
    WHERE NOT EXISTS (SELECT 1 FROM workspace_plugins w WHERE w.id = d.plugin_id)`;
  return a.count + b.count;
}

/**
 * Refreshes the planner's statistics of the sweeper's own tables after a mapping pass wrote: the first sweep over
 * a large installation fills them from nothing, long before autovacuum would notice, and the worker's join plans
 * depend on knowing how many plugins follow each target. ANALYZE samples (about 30,000 rows): sub-second.
 */
export async function analyzeMappings(sql: Sql): Promise<void> {
  await sql`ANALYZE drift_plugin_targets`;
  await sql`ANALYZE drift_targets`;
  await sql`ANALYZE drift_row_problems`;
}
