import { createHmac, randomUUID } from "node:crypto";
import { listDeliveries, putSubscription } from "@drift/db";
import { createHttpTransport, deliverPending } from "@drift/notify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { quietLog, sweep, useSweepEnvironment } from "../support/pipeline";
import { type Answer, startReceiver } from "../support/receivers";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();
const SECRET = "notify-test-secret-0123456789abcdef";
const LOOPBACK = { allowLoopback: true } as const;
const receivers: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  await env.db
    .sql`TRUNCATE drift_notification_subscriptions, drift_notification_deliveries, drift_event_outbox`;
});
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(answer?: (n: number) => Answer) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function subscribe(
  url: string,
  format: "slack" | "json",
  more: { secret?: string; digest?: "daily" } = {},
) {
  const saved = await putSubscription(env.db.sql, {
    url,
    format,
    events: ["drift.detected"],
    digest: more.digest ?? null,
    ...(more.secret ? { secret: more.secret } : {}),
  });
  if (saved.kind !== "saved") throw new Error("not saved");
  return saved.subscription.id;
}

/** 41 workspaces follow one repository's main branch at the same commit, and main moves on. */
async function given41Drifted(repo = "acme/lint-plugin") {
  env.sim.world.createRepo(repo);
  const installed = env.sim.world.revParse(env.sim.world.repo(repo), "refs/heads/main") as string;
  const latest = env.sim.world.commit(repo, "main");
  await insertPlugins(
    env.db.sql,
    Array.from({ length: 41 }, () => ({
      workspace_id: randomUUID(),
      plugin_name: "lint",
      source_raw: `github://${repo}`,
      tracked_ref: "branch:main",
      installed_sha: installed,
    })),
  );
  return { installed, latest };
}

describe(`notification delivery (${dbLabel})`, () => {
  it("one drift group of 41 rows is one message per subscribed receiver; the json one is signed", async () => {
    const slack = await receiver();
    const json = await receiver();
    await subscribe(slack.url, "slack");
    const jsonId = await subscribe(json.url, "json", { secret: SECRET });
    const { installed, latest } = await given41Drifted();

    const summary = await sweep(env.db.sql, env.sim);
    expect(summary.status).toBe("completed");
    expect(summary.drift.new).toBe(41);
    expect(await deliverPending(env.db.sql, LOOPBACK, { log: quietLog })).toMatchObject({
      sent: 2,
      failed: 0,
    });

    expect(slack.received).toHaveLength(1);
    const message = slack.received[0]?.json() as { text: string; blocks: { text?: { text: string } }[] };
    expect(message.text).toContain("41 workspaces");
    expect(message.text).toContain("acme/lint-plugin");
    expect(JSON.stringify(message.blocks)).toContain(`/compare/${installed}...${latest}`);

    expect(json.received).toHaveLength(1);
    const got = json.received[0];
    const expected = `sha256=${createHmac("sha256", SECRET)
      .update(got?.body ?? "")
      .digest("hex")}`;
    expect(got?.headers["x-drift-signature-256"]).toBe(expected);
    const body = got?.json() as { delivery_id: string; event: string; detail: Record<string, unknown> };
    expect(got?.headers["x-drift-delivery"]).toBe(body.delivery_id);
    expect(body.event).toBe("drift.detected");
    expect(body.detail).toMatchObject({
      count: 41,
      from_sha: installed,
      to_sha: latest,
      tracked_ref: "branch:main",
    });

    const log = await listDeliveries(env.db.sql, jsonId);
    expect(log).toMatchObject([{ status: "sent", attempts: 1, response_code: 200, last_error: null }]);

    // Nothing new: another run and another sweep send nothing more.
    await deliverPending(env.db.sql, LOOPBACK, { log: quietLog });
    await sweep(env.db.sql, env.sim);
    await deliverPending(env.db.sql, LOOPBACK, { log: quietLog });
    expect(slack.received.length + json.received.length).toBe(2);
  });

  it("a receiver failing three times gets the message on the fourth attempt, with the same delivery id", async () => {
    const flaky = await receiver((n) => (n < 3 ? 500 : 200));
    const id = await subscribe(flaky.url, "json", { secret: SECRET });
    await given41Drifted("acme/flaky");
    await sweep(env.db.sql, env.sim);
    const t0 = Date.now();
    const at = (ms: number) => ({ log: quietLog, clock: () => new Date(t0 + ms) });

    expect(await deliverPending(env.db.sql, LOOPBACK, at(0))).toMatchObject({ sent: 0, failed: 1 });
    const [first] = (await listDeliveries(env.db.sql, id)) ?? [];
    // The first retry within 5 s, the first three within a minute.
    expect(first?.next_attempt_at?.getTime()).toBeLessThanOrEqual(t0 + 5_000);
    expect(await deliverPending(env.db.sql, LOOPBACK, at(1_000))).toMatchObject({ sent: 0, failed: 0 });
    expect(await deliverPending(env.db.sql, LOOPBACK, at(2_000))).toMatchObject({ failed: 1 });
    expect(await deliverPending(env.db.sql, LOOPBACK, at(6_000))).toMatchObject({ failed: 1 });
    expect(await deliverPending(env.db.sql, LOOPBACK, at(14_000))).toMatchObject({ sent: 1, failed: 0 });
    expect(14_000).toBeLessThan(60_000);

    expect(flaky.received).toHaveLength(4);
    const ids = new Set(flaky.received.map((r) => r.headers["x-drift-delivery"]));
    expect(ids.size).toBe(1);
    expect(new Set(flaky.received.map((r) => r.body)).size).toBe(1);
    expect(await listDeliveries(env.db.sql, id)).toMatchObject([
      { status: "sent", attempts: 4, response_code: 200, last_error: null },
    ]);
  });

  it("gives up after 24 hours, and the log says why", async () => {
    const down = await receiver(() => 503);
    const id = await subscribe(down.url, "slack");
    await given41Drifted("acme/down");
    await sweep(env.db.sql, env.sim);
    const t0 = Date.now();
    for (const ms of [0, 2_000, 6_000, 14_000, 30_000, 62_000, 126_000]) {
      await deliverPending(env.db.sql, LOOPBACK, { log: quietLog, clock: () => new Date(t0 + ms) });
    }
    expect(down.received).toHaveLength(7);
    await deliverPending(env.db.sql, LOOPBACK, {
      log: quietLog,
      clock: () => new Date(t0 + 24 * 3_600_000 + 1),
    });
    expect(await listDeliveries(env.db.sql, id)).toMatchObject([
      { status: "failed", attempts: 8, response_code: 503, last_error: "receiver answered 503" },
    ]);
  });

  it("a hanging receiver neither delays the sweep nor the other subscriptions; a 10 MB answer is cut off", async () => {
    const hanging = await receiver(() => "hang");
    const huge = await receiver(() => ({ status: 200, bodyBytes: 10 * 1024 * 1024 }));
    const healthy = await receiver();
    const hangingId = await subscribe(hanging.url, "json");
    const hugeId = await subscribe(huge.url, "slack");
    await subscribe(healthy.url, "slack");
    await given41Drifted("acme/hang");

    const started = Date.now();
    const summary = await sweep(env.db.sql, env.sim);
    expect(summary.status).toBe("completed");
    expect(Date.now() - started).toBeLessThan(10_000); // the sweep records drift without waiting on any receiver

    const runStarted = Date.now();
    const result = await deliverPending(env.db.sql, LOOPBACK, {
      log: quietLog,
      transport: createHttpTransport({ allowLoopback: true, timeoutMs: 800, maxBodyBytes: 64 * 1024 }),
    });
    expect(Date.now() - runStarted).toBeLessThan(5_000);
    expect(result).toMatchObject({ sent: 2, failed: 1 });
    expect(healthy.received).toHaveLength(1);
    expect(huge.received).toHaveLength(1);
    expect(await listDeliveries(env.db.sql, hugeId)).toMatchObject([{ status: "sent", response_code: 200 }]);
    expect(await listDeliveries(env.db.sql, hangingId)).toMatchObject([
      { status: "pending", attempts: 1, response_code: null, last_error: "no answer within 0.8 s" },
    ]);
  });

  it("digest: daily holds the events and sends one summary when the day is over", async () => {
    const r = await receiver();
    const id = await subscribe(r.url, "slack", { digest: "daily" });
    await given41Drifted("acme/one");
    await sweep(env.db.sql, env.sim);
    await given41Drifted("acme/two");
    await sweep(env.db.sql, env.sim);
    const now = Date.now();
    await deliverPending(env.db.sql, LOOPBACK, { log: quietLog, clock: () => new Date(now) });
    expect(r.received).toHaveLength(0);
    expect((await listDeliveries(env.db.sql, id))?.map((d) => d.status)).toEqual(["held", "held"]);

    const nextDay = now + 24 * 3_600_000 + 60_000;
    await deliverPending(env.db.sql, LOOPBACK, { log: quietLog, clock: () => new Date(nextDay) });
    await deliverPending(env.db.sql, LOOPBACK, { log: quietLog, clock: () => new Date(nextDay + 60_000) });
    expect(r.received).toHaveLength(1);
    const digest = r.received[0]?.json() as { text: string; blocks: unknown[] };
    expect(digest.text).toMatch(/^Drift digest: 2 events since .* \(2 drift\.detected\)$/);
    expect(JSON.stringify(digest.blocks)).toContain("acme/one");
    expect(JSON.stringify(digest.blocks)).toContain("acme/two");
  });
});
