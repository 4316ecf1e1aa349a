import { resolve } from "node:path";
import { createSql, migrate, type Sql } from "@drift/db";
import { readServeLock, writeServeLock } from "./serve-lock";

/** An open database for a CLI command: DATABASE_URL, or the embedded PGlite under `.drift/`. */
export interface OpenDatabase {
  readonly sql: Sql;
  readonly embedded: boolean;
  /** The embedded database is `drift serve`'s, reached through its socket. */
  readonly viaServe?: boolean;
  close(): Promise<void>;
}

/** Where the embedded database lives (relative to the working directory, overridable for tests). */
export function embeddedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DRIFT_DATA_DIR ?? ".drift", "pgdata");
}

/**
 * Connections the CLI opens on DATABASE_URL. Four: a first sweep's messages write their drift rows and read their
 * packets' guess, and every connection more is a backend to start and warm (W1 measured 4 against 8 and 6: ~50 ms
 * and a tenth of the CPU less; 3 and 6 again later: no gain). Never a deadlock: the embedded database runs the
 * same sweep on one.
 */
export const POSTGRES_POOL = 4;

/** One line for an embedded database that cannot be opened, with what to do. */
export class EmbeddedBusyError extends Error {}

/**
 * Opens the database the CLI works on and applies migrations (they are idempotent).
 * With no DATABASE_URL: while `drift serve` runs on the embedded database, its shared socket (never the files a
 * second time); else PGlite persisted under `.drift/` behind a loopback socket (pool of 1). `serve: true` is
 * `drift serve` itself: it shares the database and says so in `.drift/serve.json` until closed.
 */
export async function openDatabase(
  options: { migrate?: boolean; env?: NodeJS.ProcessEnv; serve?: boolean } = {},
): Promise<OpenDatabase> {
  const env = options.env ?? process.env;
  let sql: Sql;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let viaServe = false;
  if (env.DATABASE_URL) {
    sql = createSql({ url: env.DATABASE_URL, max: POSTGRES_POOL });
  } else {
    const lock = readServeLock(env);
    if (lock && options.serve)
      throw new EmbeddedBusyError(
        `the embedded database is already served by drift serve (pid ${lock.pid}): stop that one first, or set DATABASE_URL`,
      );
    if (lock) {
      sql = await reachServe(lock);
      viaServe = true;
    } else {
      // Imported lazily: PGlite is only loaded when it is used.
      const { startEmbeddedPostgres } = await import("@drift/db/embedded");
      const dataDir = embeddedDataDir(env);
      const pg = await startEmbeddedPostgres({ dataDir, shared: options.serve === true }).catch((error) => {
        throw new EmbeddedBusyError(
          `cannot open the embedded database in ${dataDir} (${String((error as Error).message).split("\n")[0]}): another drift process may hold it; stop it, or set DATABASE_URL`,
        );
      });
      const unlock = options.serve ? writeServeLock(env, pg.url) : undefined;
      stopEmbedded = async () => {
        unlock?.();
        await pg.stop();
      };
      sql = createSql({ url: pg.url, max: 1 });
    }
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
  return { sql, embedded: stopEmbedded !== undefined || viaServe, viaServe, close };
}

/** A connection to the database `drift serve` shares; one clear line when it does not answer. */
async function reachServe(lock: { pid: number; database_url: string }): Promise<Sql> {
  const sql = createSql({ url: lock.database_url, max: 1 });
  try {
    await sql`SELECT 1`;
    return sql;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    throw new EmbeddedBusyError(
      `drift serve (pid ${lock.pid}) holds the embedded database but its socket ${lock.database_url.replace(/^postgres:\/\/[^@]*@/, "")} did not answer (${(error as Error).message}): restart drift serve, or set DATABASE_URL`,
    );
  }
}

/** Runs `body` on the database of a command's environment (openDatabase), closed afterwards whatever happens. */
export async function withDb<T>(
  ctx: { readonly env: NodeJS.ProcessEnv },
  body: (sql: Sql) => Promise<T>,
): Promise<T> {
  const db = await openDatabase({ env: ctx.env });
  try {
    return await body(db.sql);
  } finally {
    await db.close();
  }
}
