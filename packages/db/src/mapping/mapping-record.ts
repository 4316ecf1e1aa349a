import { formatTrackedRef, type MappedPage, type RowScope, type RowValues } from "@drift/core/model";
import type { Sql } from "../client";

const valuesKey = (v: RowValues) => JSON.stringify([v.source_raw, v.tracked_ref, v.installed_sha]);

/** The distinct values of some rows (first occurrence order): what a page of the mapping pass parses. */
export function distinctValues(rows: readonly RowValues[]): RowValues[] {
  const seen = new Map<string, RowValues>();
  for (const r of rows) {
    const k = valuesKey(r);
    if (!seen.has(k))
      seen.set(k, { source_raw: r.source_raw, tracked_ref: r.tracked_ref, installed_sha: r.installed_sha });
  }
  return [...seen.values()];
}

/** SQL condition: `w` (a workspace_plugins row) is one of the scope's rows. */
function inScope(sql: Sql, scope: RowScope) {
  if (scope.kind === "ids") return sql`w.id = ANY(${scope.ids as string[]}::uuid[])`;
  return sql`w.ctid >= ${`(${scope.from},0)`}::tid AND w.ctid < ${`(${scope.to},0)`}::tid`;
}

/**
 * SQL joins: `w` is not recorded with its current columns (primary-key probes: an anti-join would be planned as a
 * hash join reading the whole mapping table for every page). Paired with an IS NULL test on `mx.hit`/`px.hit`.
 */
export function notRecorded(sql: Sql) {
  return sql`
      LEFT JOIN LATERAL (SELECT 1 AS hit FROM drift_plugin_targets x
        WHERE x.plugin_id = w.id AND x.source_raw = w.source_raw AND x.tracked_ref = w.tracked_ref
          AND x.installed_sha = w.installed_sha LIMIT 1) mx ON true
      LEFT JOIN LATERAL (SELECT 1 AS hit FROM drift_row_problems y
        WHERE y.plugin_id = w.id AND y.source_raw IS NOT DISTINCT FROM w.source_raw
          AND y.tracked_ref IS NOT DISTINCT FROM w.tracked_ref
          AND y.installed_sha IS NOT DISTINCT FROM w.installed_sha LIMIT 1) px ON true`;
}

/**
 * Records what a page means in ONE statement (data-modifying CTEs run exactly once and atomically), set-based: the
 * classified values go in (one entry per distinct value, not per row), and the rows of `scope` that hold one of
 * them and are not recorded with these very columns already get their mapping or problem (each row has one or the
 * other). Rows are matched on their current columns, so a row the platform changed since the page was read is
 * recorded for what it holds now when that value was classified, and otherwise left for the next pass; unchanged
 * rows are neither written nor locked. Also: the distinct targets, and the supersession of pending updates of
 * plugins re-pointed or no longer followed ("never leave a stale SHA to be approved"). Returns the rows written.
 */
export async function recordMappings(
  sql: Sql,
  page: MappedPage,
  scope: RowScope,
): Promise<{ mapped: number; superseded: number }> {
  if (page.mappings.length === 0 && page.problems.length === 0) return { mapped: 0, superseded: 0 };
  // A page joins and writes up to ~100,000 rows: room to hash and hold them in memory rather than sort and spill
  // them to disk (the default work_mem is 4 MB). Transaction-local, through set_config (no SET for a proxy).
  // Committed without waiting for the WAL flush: a mapping is derived from workspace_plugins (lost, the next pass
  // maps the rows again), and the drift rows written from it are committed durably later, which flushes it too.
  return sql.begin(async (raw) => {
    const tx = raw as unknown as Sql;
    await tx`SELECT set_config('work_mem', '32MB', true), set_config('synchronous_commit', 'off', true)`;
    return writePage(tx, page, scope);
  }) as Promise<{ mapped: number; superseded: number }>;
}

async function writePage(
  sql: Sql,
  page: MappedPage,
  scope: RowScope,
): Promise<{ mapped: number; superseded: number }> {
  // size: one SQL statement (the set-based write is the point); its CTEs read in order.
  const { mappings: m, problems: p } = page;
  const unrecorded = scope.kind === "blocks" && scope.unrecorded;
  const t = [...new Map(m.map((x) => [x.target.key, x.target])).values()];
  const all = [...m.map((x) => x.values), ...p.map((x) => x.values)];
  const col = <T>(fm: (x: (typeof m)[number]) => T, fp: (x: (typeof p)[number]) => T) => [
    ...m.map(fm),
    ...p.map(fp),
  ];
  const [row] = await sql<{ mapped: number; superseded: number }[]>`
    WITH parsed AS (
      SELECT * FROM unnest(${all.map((v) => v.source_raw)}::text[], ${all.map((v) => v.tracked_ref)}::text[],
        ${all.map((v) => v.installed_sha)}::text[],
        ${col(
          (x) => x.target.key,
          () => null,
        )}::text[], ${col(
          (x) => x.driftKind,
          () => null,
        )}::text[],
        ${col(
          () => null,
          (x) => x.status,
        )}::text[], ${col(
          () => null,
          (x) => x.reason,
        )}::text[])
        AS p(source_raw, tracked_ref, installed_sha, target_key, drift_kind, status, reason)
    ),
    -- The scope's rows holding a classified value and not recorded as they are (nothing is, on a first pass).
    rows AS MATERIALIZED (
      SELECT w.id, w.workspace_id, w.plugin_name, w.source_raw, w.tracked_ref, w.installed_sha, p.target_key,
             p.drift_kind, p.status, p.reason
      FROM workspace_plugins w
      -- Hashable equalities (source_raw and tracked_ref are NOT NULL; installed_sha may be).
      JOIN parsed p ON p.source_raw = w.source_raw AND p.tracked_ref = w.tracked_ref
        AND coalesce(p.installed_sha, '') = coalesce(w.installed_sha, '')
        AND (p.installed_sha IS NULL) = (w.installed_sha IS NULL)
      ${unrecorded ? sql`` : notRecorded(sql)}
      WHERE ${inScope(sql, scope)} ${unrecorded ? sql`` : sql`AND mx.hit IS NULL AND px.hit IS NULL`}
    ),
    targets AS (
      INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref)
      SELECT * FROM unnest(${t.map((x) => x.key)}::text[], ${t.map((x) => x.provider)}::text[],
        ${t.map((x) => x.host)}::text[], ${t.map((x) => x.owner)}::text[], ${t.map((x) => x.repo)}::text[],
        ${t.map((x) => formatTrackedRef(x.ref))}::text[])
      ON CONFLICT (key) DO NOTHING
    ),
    mapped AS (
      INSERT INTO drift_plugin_targets AS d (plugin_id, target_key, source_raw, tracked_ref, installed_sha, drift_kind)
      SELECT id, target_key, source_raw, tracked_ref, installed_sha, drift_kind FROM rows WHERE status IS NULL
      ON CONFLICT (plugin_id) DO UPDATE SET target_key = EXCLUDED.target_key, source_raw = EXCLUDED.source_raw,
        tracked_ref = EXCLUDED.tracked_ref, installed_sha = EXCLUDED.installed_sha, drift_kind = EXCLUDED.drift_kind,
        mapped_at = now()
      WHERE (d.target_key, d.source_raw, d.tracked_ref, d.installed_sha, d.drift_kind) IS DISTINCT FROM
        (EXCLUDED.target_key, EXCLUDED.source_raw, EXCLUDED.tracked_ref, EXCLUDED.installed_sha, EXCLUDED.drift_kind)
      RETURNING 1
    ),
    -- The EXISTS is a one-time test: with no problem recorded (a first pass) no row is probed for one.
    no_longer_problems AS (
      DELETE FROM drift_row_problems d USING rows r WHERE d.plugin_id = r.id AND r.status IS NULL
        AND EXISTS (SELECT 1 FROM drift_row_problems)
    ),
    no_longer_mapped AS (
      DELETE FROM drift_plugin_targets d USING rows r WHERE d.plugin_id = r.id AND r.status IS NOT NULL
    ),
    problems AS (
      INSERT INTO drift_row_problems AS r (plugin_id, status, reason, source_raw, tracked_ref, installed_sha)
      SELECT id, status, reason, source_raw, tracked_ref, installed_sha FROM rows WHERE status IS NOT NULL
      ON CONFLICT (plugin_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason,
        source_raw = EXCLUDED.source_raw, tracked_ref = EXCLUDED.tracked_ref, installed_sha = EXCLUDED.installed_sha,
        seen_at = now()
      RETURNING 1
    ),
    -- Probes through the pending index per remapped row (a first sweep finds an empty queue at once).
    stale AS (
      UPDATE plugin_update_queue q SET status = 'superseded', decided_at = now(), updated_at = now()
      FROM rows w
      WHERE q.status = 'pending' AND q.workspace_id = w.workspace_id AND q.plugin_name = w.plugin_name
        AND (q.tracked_ref <> w.tracked_ref OR q.source_raw <> w.source_raw)
      RETURNING 1
    )
    SELECT ((SELECT count(*) FROM mapped) + (SELECT count(*) FROM problems))::int AS mapped,
           (SELECT count(*) FROM stale)::int AS superseded`;
  return { mapped: row?.mapped ?? 0, superseded: row?.superseded ?? 0 };
}
