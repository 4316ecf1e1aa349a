import type { PluginRow, RowPage, RowValues } from "@drift/core/model";
import type { Sql } from "../client";
import { distinctValues, notRecorded } from "./mapping-record";

export { distinctValues, recordMappings } from "./mapping-record";

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
 * Physical scan, for passes where most rows changed (the first sweep of an installation; otherwise
 * {@link staleRows} finds them in one statement): of the rows in heap blocks [`from`, `to`) (a TID range scan, so
 * each page reads its own blocks once: a page by key range of random UUIDs reads nearly every block of the table),
 * the distinct values of those that need (re)mapping, and the table's size in blocks. Only distinct values travel:
 * rows sharing them are mapped alike. `unrecorded`: the mapping tables were empty when the pass started, so every
 * row needs mapping and the probes into them are skipped; otherwise one primary-key probe per row into each
 * (LATERAL … LIMIT 1: a plain anti-join is planned as a hash join that reads the whole mapping table every page).
 */
export async function scanBlocks(
  sql: Sql,
  scope: { from: number; to: number; unrecorded: boolean },
  maxValues = Number.MAX_SAFE_INTEGER,
): Promise<{ values: RowValues[]; blocks: number; distinct: number }> {
  const page = sql`SELECT id, source_raw, tracked_ref, installed_sha FROM workspace_plugins
    WHERE ctid >= ${`(${scope.from},0)`}::tid AND ctid < ${`(${scope.to},0)`}::tid`;
  const rows = await sql<
    (RowValues & { blocks: number; stale: boolean | null; distinct_values: number | null })[]
  >`
    WITH stale AS (
      ${
        scope.unrecorded
          ? sql`SELECT DISTINCT source_raw, tracked_ref, installed_sha, true AS stale FROM (${page}) w`
          : sql`SELECT DISTINCT w.source_raw, w.tracked_ref, w.installed_sha, true AS stale FROM (${page}) w
      ${notRecorded(sql)}
      WHERE mx.hit IS NULL AND px.hit IS NULL`
      }
    )
    -- At most maxValues of them travel, with how many there are (counted before the limit).
    , counted AS (SELECT s.*, count(*) OVER ()::int AS distinct_values FROM stale s LIMIT ${maxValues})
    SELECT (pg_relation_size('workspace_plugins') / current_setting('block_size')::int)::int AS blocks, s.*
    FROM (SELECT 1) one LEFT JOIN counted s ON true`;
  return {
    values: rows
      .filter((r) => r.stale)
      .map((r) => ({ source_raw: r.source_raw, tracked_ref: r.tracked_ref, installed_sha: r.installed_sha })),
    blocks: rows[0]?.blocks ?? 0,
    distinct: rows[0]?.distinct_values ?? 0,
  };
}

/** How many heap blocks of workspace_plugins hold about `rows` rows, and whether nothing is mapped yet. */
async function scanPlan(sql: Sql, rows: number): Promise<{ blocksPerPage: number; unrecorded: boolean }> {
  const [r] = await sql<{ per_block: number | null; unrecorded: boolean }[]>`
    SELECT (SELECT CASE WHEN relpages > 0 AND reltuples > 0 THEN reltuples / relpages END
            FROM pg_class WHERE oid = 'workspace_plugins'::regclass)::float8 AS per_block,
      NOT EXISTS (SELECT 1 FROM drift_plugin_targets) AND NOT EXISTS (SELECT 1 FROM drift_row_problems) AS unrecorded`;
  // Unknown statistics: assume narrow rows (about 60 per 8 KiB block).
  return {
    blocksPerPage: Math.max(1, Math.floor(rows / (r?.per_block ?? 60))),
    unrecorded: r?.unrecorded ?? false,
  };
}

/**
 * Distinct values a page of the mapping pass holds at most: what the dispatcher parses, keeps and writes per
 * page. A page of 100,000 rows following 12,000 targets has far fewer; a page where every row has its own
 * installed commit is cut to fewer rows instead (about 20,000).
 */
export const MAX_PAGE_VALUES = 20_000;

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
 * The store's `pagePluginRows` for one process: pages of the rows that need (re)mapping. A pass (`afterId` null)
 * starts with {@link staleRows} unless nothing is mapped yet: when fewer than `listCap` rows changed (every hourly
 * sweep but the first), the pages are slices of that list in key order (scope: their ids); otherwise (first
 * sweep, whatever the table's size; mass change) they come
 * from a physical scan, about `limit` rows of heap blocks at a time (scope: the blocks; the cursor: the next
 * block). Memory: at most `listCap` rows, or one page's distinct values. (Lower-case UUID text sorts as Postgres
 * orders uuids.) A row updated while the pass runs may move behind the scan: the next pass maps it.
 */
export function createRowPager(sql: Sql, listCap = 20_000, maxValues = MAX_PAGE_VALUES) {
  let list: PluginRow[] | null = null;
  let plan = { blocksPerPage: 1, unrecorded: false };
  let blocksPerPage = 1;
  return async function pagePluginRows(
    afterId: string | null,
    limit: number,
  ): Promise<(RowPage & { next: string }) | null> {
    if (afterId === null) {
      // Nothing mapped yet (a first sweep): every row needs mapping, and the block scan reads only distinct
      // values with no probes; listing every row first would carry them all to the client to find that out.
      plan = await scanPlan(sql, limit);
      const rows = plan.unrecorded ? null : await staleRows(sql, listCap);
      list = rows && rows.length < listCap ? rows.sort((a, b) => (a.id < b.id ? -1 : 1)) : null;
      blocksPerPage = plan.blocksPerPage;
    }
    if (list) {
      const from = afterId === null ? 0 : firstAfter(list, afterId);
      const slice = list.slice(from, from + limit);
      const last = slice.at(-1)?.id;
      if (last === undefined) return null;
      return {
        values: distinctValues(slice),
        scope: { kind: "ids", ids: slice.map((r) => r.id) },
        next: last,
      };
    }
    const from = afterId === null ? 0 : Number(afterId);
    const scan = (blocks: number) =>
      ({ kind: "blocks", from, to: from + blocks, unrecorded: plan.unrecorded }) as const;
    let scope = scan(blocksPerPage);
    let page = await scanBlocks(sql, scope, maxValues);
    // Too many distinct values (every row its own installed commit): fewer blocks, read again. Memory follows
    // the distinct values a page holds, never its rows.
    while (page.distinct > maxValues && blocksPerPage > 1) {
      blocksPerPage = Math.max(1, Math.floor(((blocksPerPage * maxValues) / page.distinct) * 0.9));
      scope = scan(blocksPerPage);
      page = await scanBlocks(sql, scope, maxValues);
    }
    if (from >= page.blocks) return null;
    // Few values: grow back towards `limit` rows a page.
    if (page.distinct < maxValues / 4) blocksPerPage = Math.min(plan.blocksPerPage, blocksPerPage * 2);
    return { values: page.values, scope, next: String(scope.to) };
  };
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
 * the drift SQL joins workspace_plugins.) Planner statistics are refreshed after a pass that wrote or pruned
 * {@link ANALYZE_AFTER_ROWS} rows or more.
 */
export async function finishMapping(sql: Sql, written: number): Promise<MappingTotals> {
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
  if (written >= ANALYZE_AFTER_ROWS || pruned >= ANALYZE_AFTER_ROWS) await analyzeMappings(sql);
  await analyzeQueueIfStale(sql);
  return { rows: c?.rows ?? 0, skipped: c?.skipped ?? 0, invalid: c?.invalid ?? 0, pruned };
}

/**
 * Refreshes the update queue's statistics when much of it changed since they were taken: a first sweep fills it
 * with a drift per drifted plugin long before autovacuum's analyze runs, and the next sweep's per-target queries
 * (ready_at, review packets, policies) were planned as scans of every pending row. The counters are the server's
 * (pg_stat_user_tables); as `drift_app` on PostgreSQL before 17 the ANALYZE is skipped like {@link analyzeMappings}.
 */
export async function analyzeQueueIfStale(sql: Sql): Promise<void> {
  const [s] = await sql<{ changed: number; live: number }[]>`
    SELECT n_mod_since_analyze::float8 AS changed, n_live_tup::float8 AS live FROM pg_stat_user_tables
    WHERE relid = 'plugin_update_queue'::regclass`;
  if (s && s.changed > 1000 && s.changed > s.live / 10) await sql`ANALYZE plugin_update_queue`;
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
 * Rows a mapping pass must write (or prune) before it refreshes the planner's statistics itself. Below it the
 * planner's estimates from the tables' sizes serve (a never-analyzed table is estimated from its pages) and
 * autovacuum analyzes within its next minute; the ANALYZE cost a 10,000-row first sweep about 50 ms of its
 * second, and the plans it led to another 70 ms (bench W1, measured A/B). A large first sweep still gets it.
 */
export const ANALYZE_AFTER_ROWS = 20_000;

/**
 * Refreshes the planner's statistics of the sweeper's own tables after a mapping pass wrote: the first sweep over
 * a large installation fills them from nothing, long before autovacuum would notice, and the worker's join plans
 * depend on knowing how many plugins follow each target. ANALYZE samples (about 30,000 rows): sub-second.
 */
export async function analyzeMappings(sql: Sql): Promise<void> {
  // One statement, one round trip (a first sweep waits for it before it sends its first message).
  await sql`ANALYZE drift_plugin_targets, drift_targets, drift_row_problems`;
}
