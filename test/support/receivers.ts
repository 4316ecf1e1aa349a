import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a local receiver got. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json(): Record<string, unknown>;
}

/** How a receiver answers its n-th request (0-based): a status, a hang (no answer ever), or a huge body. */
export type Answer = number | "hang" | { status: number; bodyBytes: number };

/**
 * A local webhook receiver on 127.0.0.1 (loopback: notifications reach it only with allowLoopback). It records
 * every request and answers as `answer(n)` says (200 by default).
 */
export async function startReceiver(answer: (n: number) => Answer = () => 200): Promise<{
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const n = received.length;
      received.push({ headers: req.headers, body, json: () => JSON.parse(body) });
      const a = answer(n);
      if (a === "hang") return; // never answers; the sender's deadline must give up
      if (typeof a === "number") {
        res.writeHead(a, { "content-type": "text/plain" }).end(a < 300 ? "ok" : "no");
        return;
      }
      res.writeHead(a.status, { "content-type": "application/octet-stream" });
      const block = Buffer.alloc(64 * 1024, 120);
      let left = a.bodyBytes;
      const pump = () => {
        while (left > 0) {
          left -= block.length;
          if (!res.write(block)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("error", () => {});
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
