import { resolve } from "node:path";
import { createSql, migrate, type Sql } from "@drift/db";

/** An open database for a CLI command: DATABASE_URL, or the embedded PGlite under `.drift/`. */
export interface OpenDatabase {
  readonly sql: Sql;
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** Where the embedded database lives (relative to the working directory, overridable for tests). */
export function embeddedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DRIFT_DATA_DIR ?? ".drift", "pgdata");
}

/**
 * Opens the database the CLI works on and applies migrations (they are idempotent).
 * With no DATABASE_URL it starts PGlite persisted under `.drift/` behind a loopback socket (pool of 1).
 */
export async function openDatabase(
  options: { migrate?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<OpenDatabase> {
  const env = options.env ?? process.env;
  let sql: Sql;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (env.DATABASE_URL) {
    sql = createSql({ url: env.DATABASE_URL, max: 4 });
  } else {
    // Imported lazily: PGlite is only loaded when it is used.
    const { startEmbeddedPostgres } = await import("@drift/db/embedded");
    const pg = await startEmbeddedPostgres({ dataDir: embeddedDataDir(env) });
    stopEmbedded = () => pg.stop();
    sql = createSql({ url: pg.url, max: 1 });
  }
  const close = async () => {
    await sql.end({ timeout: 5 });
    await stopEmbedded?.();
  };
  try {
    if (options.migrate !== false) await migrate(sql);
  } catch (error) {
    await close();
    throw error;
  }
  return { sql, embedded: stopEmbedded !== undefined, close };
}
