import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, seedUpdate, type TestApp, testAdminApp } from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { publishPendingIn } from "../support/decisions";
import { sha } from "../support/seed";

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());
beforeEach(() => {
  t = testAdminApp(db.sql);
});

const plugin = async (workspaceId: string, name: string) =>
  (
    await db.sql<{ installed_sha: string | null; updated_at: Date }[]>`
      SELECT installed_sha, updated_at FROM workspace_plugins WHERE workspace_id = ${workspaceId} AND plugin_name = ${name}`
  )[0];
const queueRow = async (id: string) =>
  (
    await db.sql<{ status: string; decided_at: Date | null }[]>`
    SELECT status, decided_at FROM plugin_update_queue WHERE id = ${id}`
  )[0];
const outboxCount = async (queueId: string) =>
  (
    await db.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM drift_event_outbox WHERE detail->>'queue_id' = ${queueId}`
  )[0]?.n;

describe(`apply and dismiss (${dbLabel})`, () => {
  it("apply writes exactly the approved latest_sha, marks the row applied and publishes one event", async () => {
    const u = await seedUpdate(db.sql, { drift_kind: "tag_moved", tracked_ref: "tag:v1" });
    const before = await plugin(u.workspace_id, u.plugin_name);
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      status: "applied",
      id: u.id,
      workspace_id: u.workspace_id,
      plugin_name: u.plugin_name,
      installed_sha: u.latest_sha,
      previous_sha: u.current_sha,
    });
    const after = await plugin(u.workspace_id, u.plugin_name);
    expect(after?.installed_sha).toBe(u.latest_sha);
    expect(after?.updated_at.getTime()).toBeGreaterThanOrEqual(before?.updated_at.getTime() ?? 0);
    const row = await queueRow(u.id);
    expect(row?.status).toBe("applied");
    expect(row?.decided_at).toBeInstanceOf(Date);
    expect(t.notifier.events).toHaveLength(1);
    expect(t.notifier.events[0]).toMatchObject({
      type: "plugin.update.applied",
      detail: {
        workspace_id: u.workspace_id,
        plugin_name: u.plugin_name,
        from_sha: u.current_sha,
        to_sha: u.latest_sha,
        queue_id: u.id,
        applied_at: row?.decided_at?.toISOString(),
      },
    });

    const again = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ status: "already_applied", installed_sha: u.latest_sha });
    expect(t.notifier.events).toHaveLength(1);
  });

  it("20 concurrent applies of one id: exactly one transition and exactly one event", async () => {
    const u = await seedUpdate(db.sql);
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`)),
    );
    console.log(`20 concurrent applies took ${Math.round(performance.now() - started)} ms`);
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const statuses = results.map((r) => r.json().status);
    expect(statuses.filter((s) => s === "applied")).toHaveLength(1);
    expect(statuses.filter((s) => s === "already_applied")).toHaveLength(19);
    expect(t.notifier.events).toHaveLength(1);
    expect(await outboxCount(u.id)).toBe(1);
    expect((await plugin(u.workspace_id, u.plugin_name))?.installed_sha).toBe(u.latest_sha);
  });

  it("apply after dismiss is 409 and changes nothing", async () => {
    const u = await seedUpdate(db.sql);
    expect((await call(t.app, "POST", `/admin/plugin-updates/${u.id}/dismiss`)).status).toBe(200);
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(409);
    expect(res.json().error.code).toBe("update_dismissed");
    expect((await plugin(u.workspace_id, u.plugin_name))?.installed_sha).toBe(u.current_sha);
    expect((await queueRow(u.id))?.status).toBe("dismissed");
    expect(t.notifier.events).toHaveLength(0);
  });

  it("apply of a superseded row is 409", async () => {
    const u = await seedUpdate(db.sql, { status: "superseded" });
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(409);
    expect(res.json().error.code).toBe("update_superseded");
    expect((await plugin(u.workspace_id, u.plugin_name))?.installed_sha).toBe(u.current_sha);
  });

  it("apply is 409 when installed_sha changed since detection, and leaves both rows alone", async () => {
    const u = await seedUpdate(db.sql, { installed_sha: sha("platform-installed-something-else") });
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(409);
    expect(res.json().error.code).toBe("installed_sha_changed");
    expect((await plugin(u.workspace_id, u.plugin_name))?.installed_sha).toBe(
      sha("platform-installed-something-else"),
    );
    expect((await queueRow(u.id))?.status).toBe("pending");

    const unknown = await seedUpdate(db.sql, { installed_sha: null });
    expect((await call(t.app, "POST", `/admin/plugin-updates/${unknown.id}/apply`)).status).toBe(409);
    expect(t.notifier.events).toHaveLength(0);
  });

  it("installed_sha is compared case-insensitively", async () => {
    const current = sha("mixed-case");
    const u = await seedUpdate(db.sql, { current_sha: current, installed_sha: current.toUpperCase() });
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(200);
    expect((await plugin(u.workspace_id, u.plugin_name))?.installed_sha).toBe(u.latest_sha);
  });

  it("apply is 409 when the plugin row is gone", async () => {
    const u = await seedUpdate(db.sql, { with_plugin: false });
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(409);
    expect(res.json().error.code).toBe("plugin_not_installed");
    expect((await queueRow(u.id))?.status).toBe("pending");
  });

  it("malformed ids are 400 and unknown ids 404, for apply and dismiss", async () => {
    const malformed = [
      "abc",
      "1",
      "00000000-0000-0000-0000-00000000000g",
      "00000000-0000-0000-0000-0000000000001",
      "'; DROP TABLE plugin_update_queue; --",
      "x".repeat(5000),
      "%00",
    ];
    for (const action of ["apply", "dismiss"]) {
      for (const id of malformed) {
        const res = await call(t.app, "POST", `/admin/plugin-updates/${encodeURIComponent(id)}/${action}`);
        expect(res.status, `${action} ${id.slice(0, 40)}`).toBe(400);
        expect(res.json().error.code).toBe("invalid_id");
      }
      const res = await call(t.app, "POST", `/admin/plugin-updates/${randomUUID()}/${action}`);
      expect(res.status).toBe(404);
      expect(res.json().error).toMatchObject({ code: "not_found" });
    }
    expect(t.logger.text()).not.toMatch(/unhandled error/);
  });

  it("dismiss: 200, idempotent 200, 409 when applied or superseded", async () => {
    const u = await seedUpdate(db.sql);
    const first = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/dismiss`);
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ status: "dismissed", id: u.id, plugin_name: u.plugin_name });
    const decidedAt = (await queueRow(u.id))?.decided_at;
    const second = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/dismiss`);
    expect(second.status).toBe(200);
    expect(second.json().status).toBe("already_dismissed");
    expect((await queueRow(u.id))?.decided_at).toEqual(decidedAt);

    const applied = await seedUpdate(db.sql);
    expect((await call(t.app, "POST", `/admin/plugin-updates/${applied.id}/apply`)).status).toBe(200);
    const late = await call(t.app, "POST", `/admin/plugin-updates/${applied.id}/dismiss`);
    expect(late.status).toBe(409);
    expect(late.json().error.code).toBe("update_applied");
    expect((await queueRow(applied.id))?.status).toBe("applied");

    const superseded = await seedUpdate(db.sql, { status: "superseded" });
    expect((await call(t.app, "POST", `/admin/plugin-updates/${superseded.id}/dismiss`)).status).toBe(409);
  });

  it("a failed publish keeps the event in the outbox; the next drain sends it, once", async () => {
    const u = await seedUpdate(db.sql);
    t.notifier.failNext = 1;
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(200);
    expect(t.notifier.events).toHaveLength(0);
    expect(t.logger.text()).toContain("event publish failed");
    const [pending] = await db.sql`SELECT attempts, last_error, published_at FROM drift_event_outbox
                                   WHERE detail->>'queue_id' = ${u.id}`;
    expect(pending).toMatchObject({
      attempts: 1,
      last_error: "simulated publish failure",
      published_at: null,
    });

    // The next apply publishes the left-over event first, then its own.
    const v = await seedUpdate(db.sql);
    expect((await call(t.app, "POST", `/admin/plugin-updates/${v.id}/apply`)).status).toBe(200);
    expect(t.notifier.events.map((e) => e.detail.queue_id)).toEqual([u.id, v.id]);
    expect(await publishPendingIn(db.sql, t.notifier)).toMatchObject({ published: 0, failed: 0 });
    expect(t.notifier.events).toHaveLength(2);
  });
});
