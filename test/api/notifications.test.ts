import { createHmac, randomUUID } from "node:crypto";
import { createAdminApp } from "@drift/api";
import type { LookupAll } from "@drift/notify";
import type { Hono } from "hono";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, captureLogger, recordingNotifier, seedUpdate } from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { startReceiver } from "../support/receivers";

const SECRET = "api-test-secret-0123456789abcdef";
// A resolver for names the tests make up: "inside.example" is one of those names that resolve to loopback.
const lookup: LookupAll = async (host) => {
  if (host === "inside.example") return [{ address: "127.0.0.1", family: 4 }];
  if (host === "mixed.example")
    return [
      { address: "93.184.215.14", family: 4 },
      { address: "10.1.2.3", family: 4 },
    ];
  if (host === "hooks.example") return [{ address: "93.184.215.14", family: 4 }];
  throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
};

let db: TestDb;
let app: Hono;
let loopbackApp: Hono;
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());
beforeEach(async () => {
  const base = { sql: db.sql, auth: { mode: "bearer", token: "" } as const, corsOrigins: [] };
  const make = (allowLoopback: boolean) =>
    createAdminApp({
      ...base,
      auth: { mode: "bearer", token: "test-admin-token-7f3c9a1e5b2d4c6e8a0b1c2d3e4f5a6b" },
      notifier: recordingNotifier(),
      logger: captureLogger(),
      notify: { allowLoopback, lookup },
    });
  app = make(false);
  loopbackApp = make(true);
  await db.sql`TRUNCATE drift_notification_subscriptions, drift_notification_deliveries, drift_event_outbox,
    plugin_update_queue, workspace_plugins`;
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
const put = (body: unknown, on = app) =>
  call(on, "PUT", "/admin/notifications", { body: JSON.stringify(body) });
const stored = async () =>
  (await db.sql`SELECT count(*)::int AS n FROM drift_notification_subscriptions`)[0]?.n;

describe(`notifications API (${dbLabel})`, () => {
  it.each([
    ["https://169.254.169.254/latest/meta-data/", "url is the cloud metadata address (169.254.169.254)"],
    ["https://10.0.0.1/hook", "url is a private address (10.0.0.1)"],
    ["https://[::ffff:10.0.0.1]/hook", "url is a private address (10.0.0.1)"],
    ["https://inside.example/hook", "url host inside.example resolves to a loopback address (127.0.0.1)"],
    ["https://mixed.example/hook", "url host mixed.example resolves to a private address (10.1.2.3)"],
    ["https://nowhere.example/hook", "url host nowhere.example does not resolve (ENOTFOUND)"],
    ["http://hooks.example/hook", "url must be https"],
    ["http://127.0.0.1:9/hook", "url must be https"],
    ["https://user:pw@hooks.example/hook", "url must not carry a user name or password"],
  ])("refuses %s with a 400 naming the reason; nothing stored", async (url, message) => {
    const res = await put({ url, format: "json", events: ["drift.detected"] });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: { code: "url_refused", message } });
    expect(await stored()).toBe(0);
  });

  it("refuses a name resolving to 127.0.0.1 through the system resolver (localhost)", async () => {
    const real = createAdminApp({
      sql: db.sql,
      auth: { mode: "bearer", token: "test-admin-token-7f3c9a1e5b2d4c6e8a0b1c2d3e4f5a6b" },
      corsOrigins: [],
      notifier: recordingNotifier(),
      notify: { allowLoopback: false },
    });
    const res = await put(
      { url: "https://localhost:8443/hook", format: "slack", events: ["integrity"] },
      real,
    );
    expect(res.status).toBe(400);
    expect(res.json().error.message).toMatch(/^url host localhost resolves to a loopback address/);
  });

  it.each([
    [
      { events: ["drift.detected", "sweep.done"] },
      /^events\.1: must be one of "drift\.detected", "integrity"/,
    ],
    [{ events: [] }, /^events: must name at least one event$/],
    [{ digest: "weekly" }, /^digest: must be "daily" or absent$/],
    [{ format: "teams" }, /^format: must be one of "slack", "json"$/],
    [{ secret: "short" }, /^secret: must be at least 16 characters$/],
    [{ colour: "red" }, /^body: unknown field\(s\) colour$/],
  ])("refuses %j with a 400 naming the field; nothing stored", async (change, message) => {
    const res = await put({ url: "https://hooks.example/x", format: "json", events: ["rollout"], ...change });
    expect(res.status).toBe(400);
    expect(res.json().error.code).toBe("invalid_notification");
    expect(res.json().error.message).toMatch(message);
    expect(await stored()).toBe(0);
  });

  it("creates, lists without the secret, replaces keeping the secret, deletes", async () => {
    const created = await put({
      url: "https://hooks.example/a",
      format: "json",
      events: ["drift.detected", "update.applied", "drift.detected"],
      secret: SECRET,
      digest: "daily",
    });
    expect(created.status).toBe(201);
    const id = created.json().id;
    expect(created.json()).toMatchObject({ events: ["drift.detected", "update.applied"], has_secret: true });
    const list = await call(app, "GET", "/admin/notifications");
    expect(list.text).not.toContain(SECRET);
    expect(list.json().items).toMatchObject([{ id, url: "https://hooks.example/a", digest: "daily" }]);
    expect(list.json().items[0]).not.toHaveProperty("secret");

    const replaced = await put({
      id,
      url: "https://hooks.example/b",
      format: "slack",
      events: ["integrity"],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json()).toMatchObject({ id, format: "slack", digest: null, has_secret: true });
    const cleared = await put({
      id,
      url: "https://hooks.example/b",
      format: "slack",
      events: ["rollout"],
      secret: null,
    });
    expect(cleared.json().has_secret).toBe(false);
    expect(
      (await put({ id: randomUUID(), url: "https://hooks.example/c", format: "json", events: ["rollout"] }))
        .status,
    ).toBe(404);

    expect((await call(app, "GET", `/admin/notifications/${id}/deliveries`)).json()).toEqual({ items: [] });
    expect((await call(app, "GET", `/admin/notifications/${randomUUID()}/deliveries`)).status).toBe(404);
    expect((await call(app, "DELETE", "/admin/notifications/nope")).status).toBe(400);
    expect((await call(app, "DELETE", `/admin/notifications/${id}`)).status).toBe(200);
    expect((await call(app, "DELETE", `/admin/notifications/${id}`)).status).toBe(404);
    expect(await stored()).toBe(0);
  });

  it("the test route sends a signed test message now and answers its delivery", async () => {
    const r = await startReceiver();
    closers.push(r.close);
    const created = await put(
      { url: r.url, format: "json", events: ["update.applied"], secret: SECRET },
      loopbackApp,
    );
    expect(created.status).toBe(201);
    const res = await call(loopbackApp, "POST", `/admin/notifications/${created.json().id}/test`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ kind: "test", status: "sent", attempts: 1, response_code: 200 });
    expect(r.received).toHaveLength(1);
    const got = r.received[0];
    expect(got?.headers["x-drift-signature-256"]).toBe(
      `sha256=${createHmac("sha256", SECRET)
        .update(got?.body ?? "")
        .digest("hex")}`,
    );
    expect(got?.json()).toMatchObject({ event: "test", delivery_id: res.json().id });
  });

  it("a failed test says what the receiver answered; the next test is sent at once, backoff or not", async () => {
    const r = await startReceiver((n) => (n === 0 ? 500 : 200));
    closers.push(r.close);
    const created = await put({ url: r.url, format: "slack", events: ["rollout"] }, loopbackApp);
    const first = await call(loopbackApp, "POST", `/admin/notifications/${created.json().id}/test`);
    expect(first.json()).toMatchObject({
      status: "pending",
      attempts: 1,
      response_code: 500,
      last_error: "receiver answered 500",
    });
    const second = await call(loopbackApp, "POST", `/admin/notifications/${created.json().id}/test`);
    expect(second.json()).toMatchObject({ status: "sent", attempts: 1, response_code: 200 });
    expect(r.received).toHaveLength(2);
  });

  it("an applied update is told right after the apply", async () => {
    const r = await startReceiver();
    closers.push(r.close);
    await put({ url: r.url, format: "slack", events: ["update.applied"] }, loopbackApp);
    const row = await seedUpdate(db.sql);
    const res = await call(loopbackApp, "POST", `/admin/plugin-updates/${row.id}/apply`);
    expect(res.status).toBe(200);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.json().text).toBe(
      `Applied: ${row.plugin_name} in ${row.workspace_id} ${row.current_sha.slice(0, 7)} → ${row.latest_sha.slice(0, 7)}`,
    );
  });
});
