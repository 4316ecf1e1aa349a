import { randomUUID } from "node:crypto";
import { listDeliveries, putSubscription, queueTestDelivery } from "@drift/db";
import { deliverPending } from "@drift/notify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startNotificationLoop } from "../../packages/local/src/local-notify";
import { dbLabel } from "../support/db";
import { quietLog, sweep, useSweepEnvironment } from "../support/pipeline";
import { startReceiver } from "../support/receivers";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();
const LOOPBACK = { allowLoopback: true } as const;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeEach(async () => {
  await env.db
    .sql`TRUNCATE drift_notification_subscriptions, drift_notification_deliveries, drift_event_outbox`;
  receiver = await startReceiver();
});
afterEach(async () => receiver.close());

async function subscribe(events: ("integrity" | "drift.detected" | "update.applied")[]) {
  const saved = await putSubscription(env.db.sql, {
    url: receiver.url,
    format: "json",
    events,
    digest: null,
  });
  if (saved.kind !== "saved") throw new Error("not saved");
  return saved.subscription.id;
}

describe(`notified events (${dbLabel})`, () => {
  it("a re-pointed tag is one integrity message; nothing a subscription did not ask for is sent", async () => {
    await subscribe(["integrity"]);
    const w = env.sim.world;
    w.createRepo("notify/kit");
    const v1 = w.tag("notify/kit", "v1.0.0").commit;
    await insertPlugins(env.db.sql, [
      {
        workspace_id: randomUUID(),
        source_raw: "github://notify/kit",
        tracked_ref: "tag:v1.0.0",
        installed_sha: v1,
      },
    ]);
    await sweep(env.db.sql, env.sim);
    await deliverPending(env.db.sql, LOOPBACK, { log: quietLog });
    expect(receiver.received).toHaveLength(0); // no drift asked for, no integrity event yet

    const moved = w.commit("notify/kit", "main");
    w.moveTag("notify/kit", "v1.0.0", moved);
    await sweep(env.db.sql, env.sim);
    await deliverPending(env.db.sql, LOOPBACK, { log: quietLog });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.json()).toMatchObject({
      event: "integrity",
      type: "plugin.integrity.tag_repointed",
      detail: { kind: "tag_repointed", tag: "v1.0.0", previous_sha: v1, new_sha: moved },
    });
    // The platform's bus is not sent detections: they are written as published.
    const [left] = await env.db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM drift_event_outbox WHERE published_at IS NULL`;
    expect(left?.n).toBe(0);
  });

  it("without a subscription asking for them, a sweep writes no detection events to the outbox", async () => {
    await subscribe(["update.applied"]);
    const w = env.sim.world;
    w.createRepo("notify/quiet");
    const v1 = w.tag("notify/quiet", "v1.0.0").commit;
    await insertPlugins(env.db.sql, [
      {
        workspace_id: randomUUID(),
        source_raw: "github://notify/quiet",
        tracked_ref: "tag:v1.0.0",
        installed_sha: v1,
      },
    ]);
    await sweep(env.db.sql, env.sim);
    w.moveTag("notify/quiet", "v1.0.0", w.commit("notify/quiet", "main"));
    const summary = await sweep(env.db.sql, env.sim);
    expect(summary.drift.new).toBe(1);
    const [events] = await env.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drift_event_outbox`;
    expect(events?.n).toBe(0);
  });

  it("drift serve's loop sends due deliveries every few seconds and stops cleanly", async () => {
    const id = await subscribe(["update.applied"]);
    const deliveryId = await queueTestDelivery(env.db.sql, id, new Date());
    const loop = startNotificationLoop(env.db.sql, LOOPBACK, quietLog, 50);
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    await loop.stop();
    expect(receiver.received[0]?.headers["x-drift-delivery"]).toBe(deliveryId);
    expect(await listDeliveries(env.db.sql, id)).toMatchObject([{ id: deliveryId, status: "sent" }]);
  });
});
