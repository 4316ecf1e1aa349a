import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { addressRefusal, checkUrlShape, type NotificationTransport } from "@drift/core";
import { type LookupAll, systemLookup } from "./url-guard";

export interface TransportOptions {
  /** DRIFT_NOTIFY_ALLOW_LOOPBACK=1: local runs and tests only. */
  readonly allowLoopback: boolean;
  /** The whole request, connection to last byte of the answer (default 5 s). */
  readonly timeoutMs?: number;
  /** Answer bytes read at most; the rest is dropped with the connection (default 64 KiB). */
  readonly maxBodyBytes?: number;
  readonly lookup?: LookupAll;
}

/**
 * Posts deliveries with node:http(s). The connection goes to an address checked at connect time (the lookup hook
 * refuses the request when any address of the name is refused, so a name re-pointed after saving, DNS rebinding
 * included, cannot reach an internal address); redirects are never followed (a 3xx is a failure); one deadline
 * covers the whole request; no connection is kept alive (`agent: false`), so nothing stays open between runs.
 */
export function createHttpTransport(options: TransportOptions): NotificationTransport {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const resolveAll = options.lookup ?? systemLookup;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolveAll(hostname).then(
      (addresses) => {
        const refusal = addresses.map((a) => addressRefusal(a.address, options.allowLoopback)).find(Boolean);
        if (refusal || addresses.length === 0) {
          callback(new Error(`refused: ${hostname} ${refusal ?? "has no address"}`), "", 0);
        } else if ((lookupOptions as { all?: boolean }).all) {
          (callback as unknown as (e: null, a: readonly { address: string; family: number }[]) => void)(
            null,
            addresses,
          );
        } else {
          const first = addresses[0] as { address: string; family: number };
          callback(null, first.address, first.family);
        }
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, "", 0),
    );
  };
  return {
    send({ url, body, headers }) {
      const shape = checkUrlShape(url, options.allowLoopback);
      if (!shape.ok) return Promise.reject(new Error(`refused: url ${shape.reason}`));
      const client = shape.url.protocol === "https:" ? https : http;
      return new Promise((resolve, reject) => {
        const request = client.request(
          shape.url,
          {
            method: "POST",
            headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
            agent: false,
            lookup,
          },
          (response) => {
            const status = response.statusCode ?? 0;
            let read = 0;
            response.on("data", (chunk: Buffer) => {
              read += chunk.length;
              // Enough of the answer: its status is what counts; drop the rest with the connection.
              if (read > maxBody) response.destroy();
            });
            response.on("close", () => {
              clearTimeout(deadline);
              resolve({ status });
            });
          },
        );
        const deadline = setTimeout(
          () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        request.on("error", (error) => {
          clearTimeout(deadline);
          reject(error);
        });
        request.end(body);
      });
    },
  };
}
