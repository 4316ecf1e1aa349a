import { randomBytes } from "node:crypto";
import { createSql, migrate, type Sql } from "@drift/db";
import { startEmbeddedPostgres } from "@drift/db/embedded";

/** The database the suite runs on, for test names: real PostgreSQL when DATABASE_URL is set, else embedded PGlite. */
export const dbLabel: string = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";

/** A migrated, isolated database for one test file: a fresh PGlite, or a fresh schema on DATABASE_URL. */
export interface TestDb {
  readonly sql: Sql;
  /** Connection settings that reach the same database and schema (for code under test that opens its own). */
  readonly url: string;
  readonly schema: string | undefined;
  readonly kind: "pglite" | "postgres";
  close(): Promise<void>;
}

export async function createTestDb(): Promise<TestDb> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const admin = createSql({ url, max: 1 });
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const sql = createSql({ url, max: 4, schema });
    await migrate(sql);
    return {
      sql,
      url,
      schema,
      kind: "postgres",
      async close() {
        await sql.unsafe(`DROP SCHEMA ${schema} CASCADE`);
        await sql.end();
      },
    };
  }
  const pg = await startEmbeddedPostgres();
  const sql = createSql({ url: pg.url, max: 1 });
  await migrate(sql);
  return {
    sql,
    url: pg.url,
    schema: undefined,
    kind: "pglite",
    async close() {
      await sql.end();
      await pg.stop();
    },
  };
}
