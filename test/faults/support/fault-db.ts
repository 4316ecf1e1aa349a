import { randomBytes } from "node:crypto";
import { createSql, migrate, type Sql } from "@drift/db";
import { startEmbeddedPostgres } from "@drift/db/embedded";
import { type PgBouncer, startPgBouncer } from "./pgbouncer";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

/**
 * A migrated database for one fault test file, reached the way production reaches it and breakable at will:
 * PostgreSQL (a database of its own) behind PgBouncer in transaction mode, or PGlite; both through a TCP proxy
 * that can reset every connection.
 */
export interface FaultDb {
  readonly kind: "pglite" | "postgres";
  /** The client the code under test uses (through the proxy, and PgBouncer on PostgreSQL). */
  readonly sql: Sql;
  /** The URL of that route, for a subprocess (`DATABASE_URL`). */
  readonly url: string;
  readonly proxy: TcpProxy;
  /** A connection that bypasses the faults, for setup and assertions. */
  readonly direct: Sql;
  /**
   * Ends the database sessions of the code under test: `pg_terminate_backend` on PostgreSQL (PgBouncer's server
   * connections); on PGlite, whose single session cannot be terminated, the proxy ends every connection the
   * way a terminated backend does (FATAL 57P01, then close).
   */
  terminate(): Promise<number>;
  close(): Promise<void>;
}

export const APP_NAME = "drift-fault-suite";

export async function createFaultDb(): Promise<FaultDb> {
  const serverUrl = process.env.DATABASE_URL;
  return serverUrl ? postgresFaultDb(serverUrl) : pgliteFaultDb();
}

async function pgliteFaultDb(): Promise<FaultDb> {
  const pg = await startEmbeddedPostgres();
  const proxy = await startTcpProxy(pg.url);
  // PGlite serves one connection: the code under test and the assertions share it (through the proxy).
  const sql = createSql({ url: proxy.url, max: 1, applicationName: APP_NAME });
  await migrate(sql);
  return {
    kind: "pglite",
    sql,
    url: proxy.url,
    proxy,
    direct: sql,
    terminate: async () => proxy.terminate(),
    async close() {
      await sql.end({ timeout: 2 });
      await proxy.close();
      await pg.stop();
    },
  };
}

async function postgresFaultDb(serverUrl: string): Promise<FaultDb> {
  const name = `drift_fault_${randomBytes(5).toString("hex")}`;
  const admin = createSql({ url: serverUrl, max: 1 });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const directUrl = new URL(serverUrl);
  directUrl.pathname = `/${name}`;
  const direct = createSql({ url: directUrl.toString(), max: 2 });
  let bouncer: PgBouncer | undefined;
  let proxy: TcpProxy | undefined;
  try {
    await migrate(direct);
    bouncer = await startPgBouncer(serverUrl);
    proxy = await startTcpProxy(bouncer.urlFor(name));
  } catch (error) {
    await direct.end();
    await bouncer?.stop();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    throw error;
  }
  const sql = createSql({ url: proxy.url, max: 4, applicationName: APP_NAME });
  const cut = proxy;
  const stopBouncer = bouncer;
  return {
    kind: "postgres",
    sql,
    url: proxy.url,
    proxy,
    direct,
    async terminate() {
      const [row] = await admin<{ n: number }[]>`
        SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = ${name} AND application_name = ${APP_NAME}`;
      return row?.n ?? 0;
    },
    async close() {
      await sql.end({ timeout: 2 });
      await direct.end({ timeout: 2 });
      await cut.close();
      await stopBouncer.stop();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
