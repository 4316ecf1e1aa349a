import type { Sql } from "./client";
import { MIGRATIONS } from "./migrations/index";

export interface MigrateResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

/**
 * Applies pending migrations, all in ONE transaction sent as one multi-statement query: a fresh database (every
 * migration pending) costs a handful of round trips and one commit, not six round trips and a commit per
 * migration; an upgrade applies whole or not at all. Idempotent; safe to run concurrently (a table lock
 * serialises runners, and the pending list is read under it; no advisory locks, which would pin RDS Proxy
 * sessions). An up-to-date schema costs one query: every command runs this first.
 */
export async function migrate(sql: Sql): Promise<MigrateResult> {
  const done = await appliedIds(sql);
  if (done && MIGRATIONS.every((m) => done.has(m.id))) {
    return { applied: [], alreadyApplied: MIGRATIONS.map((m) => m.id) };
  }
  await sql`CREATE TABLE IF NOT EXISTS drift_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
  return sql.begin(async (raw) => {
    const tx = raw as unknown as Sql;
    await tx`LOCK TABLE drift_migrations IN SHARE ROW EXCLUSIVE MODE`;
    const have = new Set((await tx<{ id: string }[]>`SELECT id FROM drift_migrations`).map((r) => r.id));
    const pending = MIGRATIONS.filter((m) => !have.has(m.id));
    // Each migration's text, then its row (ids are our own constants; quoted anyway). The separators sit on
    // lines of their own, so a migration ending in a comment cannot swallow them.
    const script = pending
      .map((m) => `${m.sql}\n;\nINSERT INTO drift_migrations (id) VALUES ('${m.id.replaceAll("'", "''")}');`)
      .join("\n");
    if (script) await tx.unsafe(script).simple();
    return {
      applied: pending.map((m) => m.id),
      alreadyApplied: MIGRATIONS.filter((m) => have.has(m.id)).map((m) => m.id),
    };
  }) as Promise<MigrateResult>;
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
