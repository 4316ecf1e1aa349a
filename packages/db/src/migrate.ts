import type { Sql } from "./client";
import { MIGRATIONS } from "./migrations/index";

export interface MigrateResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

/**
 * Applies pending migrations, each in its own transaction. Idempotent; safe to run concurrently
 * (a table lock serialises runners; no advisory locks, which would pin RDS Proxy sessions).
 */
export async function migrate(sql: Sql): Promise<MigrateResult> {
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
