import type { Sql } from "./client";
import { MIGRATIONS } from "./migrations/index";

export interface MigrateResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

/**
 * Applies pending migrations, each in its own transaction. Idempotent; safe to run concurrently
 * (a table lock serialises runners; no advisory locks, which would pin RDS Proxy sessions).
 * An up-to-date schema costs one query: every command runs this first.
 */
export async function migrate(sql: Sql): Promise<MigrateResult> {
  const done = await appliedIds(sql);
  if (done && MIGRATIONS.every((m) => done.has(m.id))) {
    return { applied: [], alreadyApplied: MIGRATIONS.map((m) => m.id) };
  }
  await sql`CREATE TABLE IF NOT EXISTS drift_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const m of MIGRATIONS) {
    await sql.begin(async (tx) => {
      await tx`LOCK TABLE drift_migrations IN SHARE ROW EXCLUSIVE MODE`;
      const [done] = await tx`SELECT 1 FROM drift_migrations WHERE id = ${m.id}`;
      if (done) {
        alreadyApplied.push(m.id);
        return;
      }
      await tx.unsafe(m.sql).simple();
      await tx`INSERT INTO drift_migrations (id) VALUES (${m.id})`;
      applied.push(m.id);
    });
  }
  return { applied, alreadyApplied };
}

/** The ids recorded in drift_migrations, or undefined when the table does not exist yet. */
async function appliedIds(sql: Sql): Promise<Set<string> | undefined> {
  try {
    // Only a table in the schema the migrations create tables in counts (not one later on the search_path).
    const rows = await sql<{ id: string }[]>`SELECT id FROM drift_migrations
      WHERE 'drift_migrations'::regclass = to_regclass(format('%I.drift_migrations', current_schema()))`;
    return new Set(rows.map((r) => r.id));
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") return undefined; // undefined_table: a new database
    throw error;
  }
}
