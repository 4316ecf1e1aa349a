import { createConnection, createServer, type Socket } from "node:net";

/**
 * A loopback TCP proxy in front of a database, able to cut every connection through it at once: the network
 * (or a proxy, or a failover) closing the client's sockets, on PGlite as on PostgreSQL.
 */
export interface TcpProxy {
  /** The target URL with host and port replaced by the proxy's. */
  readonly url: string;
  /** Connections currently open through the proxy. */
  readonly open: number;
  /** Resets every open connection (the client sees ECONNRESET); returns how many were cut. */
  cut(): number;
  /**
   * Ends every open connection the way `pg_terminate_backend` does on the wire: a FATAL ErrorResponse
   * (57P01, "terminating connection due to administrator command"), then the server closes. Returns how many.
   */
  terminate(): number;
  close(): Promise<void>;
}

/** The ErrorResponse a backend sends when it is terminated by an administrator. */
const ADMIN_SHUTDOWN = (() => {
  const fields = Buffer.from(
    "SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0",
  );
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
})();

/** Starts a proxy to the host and port of `targetUrl` (a postgres:// URL). */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("proxy has no address");
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(address.port);
  return {
    url: url.toString(),
    get open() {
      return pairs.size;
    },
    cut() {
      const n = pairs.size;
      for (const [client, upstream] of [...pairs]) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
      return n;
    },
    terminate() {
      const n = pairs.size;
      for (const [client, upstream] of [...pairs]) {
        upstream.unpipe(client);
        upstream.destroy();
        client.end(ADMIN_SHUTDOWN);
      }
      pairs.clear();
      return n;
    },
    close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
