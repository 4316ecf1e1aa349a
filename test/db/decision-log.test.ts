import { listHistory, migrate } from "@drift/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedUpdate, type TestApp, testAdminApp } from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
  t = testAdminApp(db.sql);
});
afterAll(async () => db?.close());

const post = (path: string, body?: unknown) =>
  call(t.app, "POST", path, {
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });

interface Item {
  id: string;
  action: string;
  status: string;
  current_status: string;
  decided_by: string;
  decision_reason: string | null;
  plugin_name: string;
}

describe(`the decision log (${dbLabel})`, () => {
  it("history is newest first across 3 pages with a cursor; reopen adds an entry and removes none", async () => {
    await db.sql`TRUNCATE plugin_update_queue, workspace_plugins`;
    const rows = [];
    for (let i = 0; i < 7; i++) rows.push(await seedUpdate(db.sql, { plugin_name: `log-${i}` }));
    // Decisions in a known order: by the API (token), bulk, and the store directly (cli).
    const order: [string, string][] = [];
    for (const [i, r] of rows.entries()) {
      const action = i % 2 === 0 ? "apply" : "dismiss";
      const res =
        i === 3
          ? await post("/admin/plugin-updates/bulk", { action, ids: [r.id], reason: "bulk" })
          : await post(
              `/admin/plugin-updates/${r.id}/${action}`,
              action === "dismiss" ? { reason: "why" } : {},
            );
      expect(res.status, res.text).toBe(200);
      order.push([r.id, action]);
    }
    const dismissed = rows[1];
    if (!dismissed) throw new Error("seed");
    expect((await post(`/admin/plugin-updates/${dismissed.id}/reopen`)).status).toBe(200);
    order.push([dismissed.id, "reopen"]);
    expect((await post(`/admin/plugin-updates/${dismissed.id}/dismiss`, { reason: "again" })).status).toBe(
      200,
    );
    order.push([dismissed.id, "dismiss"]);
    // Deciding again the way it was decided changes nothing and logs nothing.
    expect((await post(`/admin/plugin-updates/${dismissed.id}/dismiss`)).json().status).toBe(
      "already_dismissed",
    );

    const seen: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/admin/plugin-updates?history=true&limit=4${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await call(t.app, "GET", q);
      expect(res.status, res.text).toBe(200);
      seen.push(...res.json().items);
      cursor = res.json().next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((e) => [e.id, e.action])).toEqual([...order].reverse());
    // The dismissed row's whole story: dismiss (why), reopen, dismiss (again); the row is dismissed now.
    expect(
      seen
        .filter((e) => e.id === dismissed.id)
        .map((e) => [e.action, e.status, e.current_status, e.decision_reason]),
    ).toEqual([
      ["dismiss", "dismissed", "dismissed", "again"],
      ["reopen", "pending", "dismissed", null],
      ["dismiss", "dismissed", "dismissed", "why"],
    ]);
    expect(seen.find((e) => e.decision_reason === "bulk")).toMatchObject({ decided_by: "token" });

    // Filters apply to the log: one plugin's entries, only reopens.
    const one = await listHistory(db.sql, { pluginName: dismissed.plugin_name, limit: 10 });
    expect(one.items.map((e) => e.action)).toEqual(["dismiss", "reopen", "dismiss"]);
    const reopens = await call(t.app, "GET", "/admin/plugin-updates?history=true&status=pending");
    expect(reopens.json().items.map((e: Item) => e.id)).toEqual([dismissed.id]);
    expect((await call(t.app, "GET", "/admin/plugin-updates?history=true&cursor=bm9wZQ")).status).toBe(400);
  });

  it("is append-only: the database refuses to change or remove an entry", async () => {
    const r = await seedUpdate(db.sql);
    expect((await post(`/admin/plugin-updates/${r.id}/dismiss`)).status).toBe(200);
    await expect(
      db.sql`UPDATE drift_decision_log SET reason = 'edited' WHERE queue_id = ${r.id}`,
    ).rejects.toThrow(/append-only/);
    await expect(db.sql`DELETE FROM drift_decision_log WHERE queue_id = ${r.id}`).rejects.toThrow(
      /append-only/,
    );
    const [left] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM drift_decision_log WHERE queue_id = ${r.id}`;
    expect(left?.n).toBe(1);
  });

  it("carries decisions made before the log in (migration 016), once", async () => {
    const old = await seedUpdate(db.sql, { status: "dismissed" });
    await db.sql`UPDATE plugin_update_queue SET decided_at = now() - interval '3 days', decided_by = 'token',
      decision_reason = 'from before' WHERE id = ${old.id}`;
    const applied = await seedUpdate(db.sql, { status: "applied" }); // the platform's own: no decided_at
    await db.sql`DELETE FROM drift_migrations WHERE id = '016_decision_log'`;
    await migrate(db.sql);
    await db.sql`DELETE FROM drift_migrations WHERE id = '016_decision_log'`;
    await migrate(db.sql); // idempotent: nothing carried twice
    const entries = await db.sql<{ queue_id: string; action: string; decided_by: string; reason: string }[]>`
      SELECT queue_id, action, decided_by, reason FROM drift_decision_log
      WHERE queue_id IN (${old.id}, ${applied.id}) ORDER BY seq`;
    expect(entries).toEqual([
      { queue_id: old.id, action: "dismiss", decided_by: "token", reason: "from before" },
      { queue_id: applied.id, action: "apply", decided_by: "unknown", reason: null },
    ]);
  });
});
