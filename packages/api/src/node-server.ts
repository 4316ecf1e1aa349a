import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
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

/**
 * Serves the admin app with `@hono/node-server` (what `drift serve` runs). Port 0 picks a free port.
 *
 * @example
 * const server = await startAdminServer(createAdminApp(options), { host: "127.0.0.1", port: 0 });
 * console.log(`${server.url}/admin/`);
 */
export function startAdminServer(
  app: Hono,
  options: { host?: string; port?: number } = {},
): Promise<AdminServer> {
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, hostname: host, port: options.port ?? 0 },
      (info: AddressInfo) => {
        server.off("error", reject);
        const shownHost = info.address.includes(":") ? `[${info.address}]` : info.address;
        let closing: Promise<void> | undefined;
        resolve({
          url: `http://${shownHost}:${info.port}`,
          port: info.port,
          close() {
            closing ??= new Promise<void>((done, failed) => {
              (server as Server).close((error) => (error ? failed(error) : done()));
              (server as Server).closeAllConnections?.();
            });
            return closing;
          },
        });
      },
    ) as Server;
    server.once("error", reject);
  });
}
