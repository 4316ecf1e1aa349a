import type { Sql } from "../client";

/** The one table a fresh start keeps: which migrations the schema has (the schema itself stays). */
const KEPT = ["drift_migrations"];

/**
 * Every table of the current schema except the migration record: the product's own (sweeps, queue, packets,
 * ledger, first sightings, …) and workspace_plugins. Found in the catalog, so tables added by later migrations
 * are covered without anyone listing them here.
 */
export async function productTables(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname <> ALL(${KEPT}::text[])
    ORDER BY 1`;
  return rows.map((r) => r.name);
}

/**
 * Empties every product table of the current schema (see {@link productTables}) in one statement: the state a
 * fresh database has after `drift migrate`. For the benchmark's first sweeps and tests; never called by the
 * product itself.
 */
export async function emptyProductTables(sql: Sql): Promise<void> {
  const tables = await productTables(sql);
  if (tables.length === 0) return;
  await sql.unsafe(
    `TRUNCATE ${tables.map((t) => `"${t.replaceAll('"', '""')}"`).join(", ")} RESTART IDENTITY`,
  );
}

/** Rows in each non-empty product table (none: a fresh start). */
export async function nonEmptyTables(sql: Sql): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await productTables(sql)) {
    const [row] = await sql.unsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM "${t.replaceAll('"', '""')}" LIMIT 1) x`,
    );
    if (row && row.n > 0) out[t] = row.n;
  }
  return out;
}
