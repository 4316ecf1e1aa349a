import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { githubWebBase } from "@drift/core";
import { deleteSubscription, putSubscription, type Sql } from "@drift/db";
import { deliverPending } from "@drift/notify";

/**
 * The demo's notification step: a local receiver (a Slack stand-in on 127.0.0.1) subscribed to drift and
 * integrity events before the first sweep; after it, the messages are delivered as `drift sweep` delivers them,
 * and the one about the moved tag is printed as the receiver got it.
 */
export async function startDemoReceiver(sql: Sql): Promise<{
  report(out: (line?: string) => void, simUrl: string): Promise<void>;
  close(): Promise<void>;
}> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`;
  const saved = await putSubscription(sql, {
    url,
    format: "slack",
    events: ["drift.detected", "integrity"],
    digest: null,
  });
  return {
    async report(out, simUrl) {
      const settings = { allowLoopback: true, bases: { github: githubWebBase(simUrl) } };
      const result = await deliverPending(sql, settings);
      const moved = bodies
        .map((b) => JSON.parse(b) as { text: string })
        .find((m) => m.text.startsWith("Tag moved"));
      out(`-- notifications: ${result.sent} Slack messages to a local receiver, one per drift group --`);
      if (moved) {
        out("  the moved tag's message, as the receiver got it (Slack incoming-webhook JSON):");
        for (const line of JSON.stringify(moved, null, 2).split("\n")) out(`    ${line}`);
      }
      out();
    },
    async close() {
      // The receiver is gone after the demo: its subscription goes with it (nothing retried for 24 hours).
      if (saved.kind === "saved") await deleteSubscription(sql, saved.subscription.id);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
