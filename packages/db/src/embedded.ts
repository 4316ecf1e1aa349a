import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** An embedded Postgres (PGlite) reachable over the wire protocol, so the same postgres.js SQL runs on it. */
export interface EmbeddedPostgres {
  /** postgres:// URL on 127.0.0.1 (use a postgres.js pool of exactly 1 connection). */
  readonly url: string;
  /** Stops the socket server and closes PGlite (flushes to disk when persisted). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts PGlite, in memory or persisted under `dataDir`, behind a loopback socket on a free port.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: ".drift/pgdata" });
 * const sql = createSql({ url: pg.url, max: 1 });
 */
export async function startEmbeddedPostgres(options: { dataDir?: string } = {}): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  let stopped = false;
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
