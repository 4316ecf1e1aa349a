import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

/** A running `drift serve` HTTP server. */
export interface AdminServer {
  /** e.g. `http://127.0.0.1:8787` */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, ends keep-alive ones, and resolves when the server is closed. */
  close(): Promise<void>;
}

/** How long a client may take: slow or truncated requests are answered 408 and closed instead of held open. */
export interface AdminServerTimeouts {
  /** Receiving the request line and headers (default 5 s). */
  readonly headersMs?: number;
  /** Receiving the whole request, body included (default 10 s; the admin API's bodies are small JSON). */
  readonly requestMs?: number;
}

export const DEFAULT_SERVER_TIMEOUTS: Required<AdminServerTimeouts> = { headersMs: 5_000, requestMs: 10_000 };

const UPGRADE_REFUSED = JSON.stringify({
  error: {
    code: "upgrade_not_supported",
    message: "this server does not switch protocols (no WebSocket, no h2c): send the request without Upgrade",
  },
});

/**
 * Node hands a request with `Connection: Upgrade` to the "upgrade" event and stops parsing HTTP on that socket:
 * unanswered, the client would wait with the connection open (and any body would never reach the app).
 */
function refuseUpgrade(socket: Duplex): void {
  socket.on("error", () => {});
  socket.end(
    [
      "HTTP/1.1 400 Bad Request",
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(UPGRADE_REFUSED)}`,
      "Connection: close",
      "",
      UPGRADE_REFUSED,
    ].join("\r\n"),
  );
  // A client that never reads its answer must not hold the socket either.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/**
 * Serves the admin app with `@hono/node-server` (what `drift serve` runs). Port 0 picks a free port.
 *
 * @example
 * const server = await startAdminServer(createAdminApp(options), { host: "127.0.0.1", port: 0 });
 * console.log(`${server.url}/admin/`);
 */
export function startAdminServer(
  app: Hono,
  options: { host?: string; port?: number; timeouts?: AdminServerTimeouts } = {},
): Promise<AdminServer> {
  const host = options.host ?? "127.0.0.1";
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.timeouts };
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port: options.port ?? 0,
        serverOptions: {
          headersTimeout: timeouts.headersMs,
          requestTimeout: timeouts.requestMs,
          // Node checks the two limits above this often (default 30 s, which would stretch them).
          connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
        },
      },
      (info: AddressInfo) => {
        server.off("error", reject);
        const shownHost = info.address.includes(":") ? `[${info.address}]` : info.address;
        let closing: Promise<void> | undefined;
        resolve({
          url: `http://${shownHost}:${info.port}`,
          port: info.port,
          close() {
            closing ??= new Promise<void>((done, failed) => {
              server.close((error) => (error ? failed(error) : done()));
              server.closeAllConnections?.();
            });
            return closing;
          },
        });
      },
    ) as Server;
    server.on("upgrade", (_request, socket: Duplex) => refuseUpgrade(socket));
    server.once("error", reject);
  });
}
