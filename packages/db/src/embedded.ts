import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { serveSharedSocket } from "./embedded-socket";

/** An embedded Postgres (PGlite) reachable over the wire protocol, so the same postgres.js SQL runs on it. */
export interface EmbeddedPostgres {
  /** postgres:// URL on 127.0.0.1 (use a postgres.js pool of exactly 1 connection). */
  readonly url: string;
  /** Stops the socket server and closes PGlite (flushes to disk when persisted). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts PGlite, in memory or persisted under `dataDir`, behind a loopback socket on a free port. `shared`: any
 * number of clients may connect (each with a pool of 1), taking turns by message sequence and transaction
 * (`drift serve` shares its database with the CLI this way); else one client.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: ".drift/pgdata" });
 * const sql = createSql({ url: pg.url, max: 1 });
 */
export async function startEmbeddedPostgres(
  options: { dataDir?: string; shared?: boolean } = {},
): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  if (options.shared) return sharedEmbedded(db);
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

/** PGlite behind the socket that several clients share (embedded-socket.ts). */
async function sharedEmbedded(db: PGlite): Promise<EmbeddedPostgres> {
  let socket: Awaited<ReturnType<typeof serveSharedSocket>>;
  try {
    socket = await serveSharedSocket(db, "127.0.0.1");
  } catch (error) {
    await db.close();
    throw error;
  }
  let stopped = false;
  return {
    url: `postgres://postgres@${socket.address}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await socket.stop();
      await db.close();
    },
  };
}
