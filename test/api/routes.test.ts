import { randomUUID } from "node:crypto";
import { createAdminApp } from "@drift/api";
import { createSql } from "@drift/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  call,
  captureLogger,
  recordingNotifier,
  seedUpdate,
  type TestApp,
  testAdminApp,
} from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());
beforeEach(async () => {
  t = testAdminApp(db.sql);
  await db.sql`DELETE FROM plugin_update_queue`;
});

const DECISION_KEYS = [
  "source_raw",
  "drift_kind",
  "repository",
  "compare_url",
  "from_version",
  "to_version",
  "commits_ahead",
  "committed_at",
  "release",
  "signature",
  "ready_at",
  "hold_until",
  "updated_at",
  "decided_at",
  "decided_by",
  "decision_reason",
];
const CONTRACT_KEYS = [
  "created_at",
  "current_sha",
  "id",
  "latest_sha",
  "plugin_name",
  "status",
  "tracked_ref",
  "workspace_id",
];

describe(`admin API routes (${dbLabel})`, () => {
  it("GET /health needs no token", async () => {
    const res = await call(t.app, "GET", "/health", { token: null });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("GET /admin/plugin-updates-pending: CONTRACT shape, pending only, newest first", async () => {
    const base = Date.parse("2026-01-01T00:00:00Z");
    const older = await seedUpdate(db.sql, { created_at: new Date(base) });
    const newer = await seedUpdate(db.sql, { created_at: new Date(base + 60_000), drift_kind: "tag_moved" });
    await seedUpdate(db.sql, { status: "applied" });
    await seedUpdate(db.sql, { status: "dismissed" });
    const res = await call(t.app, "GET", "/admin/plugin-updates-pending");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = res.json();
    expect(body.map((r: { id: string }) => r.id)).toEqual([newer.id, older.id]);
    // The CONTRACT fields, and (decisions CONTRACT) every field of the review.
    expect(Object.keys(body[0])).toEqual(expect.arrayContaining([...CONTRACT_KEYS, ...DECISION_KEYS]));
    expect(body[1]).toMatchObject({
      id: older.id,
      workspace_id: older.workspace_id,
      plugin_name: older.plugin_name,
      tracked_ref: "tag:latest",
      current_sha: older.current_sha,
      latest_sha: older.latest_sha,
      status: "pending",
      created_at: new Date(base).toISOString(),
    });
  });

  it("no or wrong token is 401, and neither the response nor the logs contain a token", async () => {
    const wrong = `${ADMIN_TOKEN}-but-wrong`;
    const attempts = [
      { token: null },
      { token: wrong },
      { token: "x" },
      { token: null, headers: { authorization: `Basic ${ADMIN_TOKEN}` } },
      { token: null, headers: { authorization: `Bearer ${ADMIN_TOKEN} extra` } },
    ];
    for (const path of ["/admin/plugin-updates-pending", `/admin/plugin-updates/${randomUUID()}/apply`]) {
      for (const attempt of attempts) {
        const res = await call(t.app, path.endsWith("apply") ? "POST" : "GET", path, attempt);
        expect(res.status).toBe(401);
        expect(res.json().error.code).toBe("unauthorized");
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect(res.text).not.toContain(ADMIN_TOKEN);
        expect([...res.headers.values()].join(" ")).not.toContain(ADMIN_TOKEN);
      }
    }
    expect(t.logger.lines.length).toBeGreaterThan(0);
    expect(t.logger.text()).not.toContain(ADMIN_TOKEN);
    expect(t.logger.text()).not.toContain("but-wrong");
    // The token scheme is case-insensitive.
    expect(
      (await call(t.app, "GET", "/health", { headers: { authorization: `bearer ${ADMIN_TOKEN}` } })).status,
    ).toBe(200);
    const lower = await call(t.app, "GET", "/admin/plugin-updates-pending", {
      token: null,
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(lower.status).toBe(200);
  });

  it("GET /admin/plugin-updates filters by status, workspace, plugin and drift kind", async () => {
    const ws = randomUUID();
    const a = await seedUpdate(db.sql, { workspace_id: ws, plugin_name: "lint", drift_kind: "tag_moved" });
    const b = await seedUpdate(db.sql, { workspace_id: ws, plugin_name: "fmt", status: "applied" });
    const c = await seedUpdate(db.sql, { plugin_name: "lint", drift_kind: "ref_moved" });
    const ids = async (query: string) =>
      (await call(t.app, "GET", `/admin/plugin-updates?${query}`))
        .json()
        .items.map((r: { id: string }) => r.id);
    expect((await ids(`workspace_id=${ws}`)).sort()).toEqual([a.id, b.id].sort());
    expect(await ids("status=applied")).toEqual([b.id]);
    expect((await ids("plugin_name=lint")).sort()).toEqual([a.id, c.id].sort());
    expect(await ids("drift_kind=tag_moved")).toEqual([a.id]);
    expect(await ids(`drift_kind=ref_moved&plugin_name=lint&status=pending`)).toEqual([c.id]);
    const item = (await call(t.app, "GET", "/admin/plugin-updates?drift_kind=tag_moved")).json().items[0];
    expect(item).toMatchObject({
      drift_kind: "tag_moved",
      resolved_tag: null,
      decided_at: null,
      status: "pending",
    });
  });

  it("pagination walks every row once, in order, across equal timestamps", async () => {
    const base = Date.parse("2026-02-01T00:00:00.123456Z");
    const seeded: string[] = [];
    // 47 rows; groups of 3 share one created_at, so the id tie-breaker matters.
    for (let i = 0; i < 47; i++) {
      seeded.push((await seedUpdate(db.sql, { created_at: new Date(base + Math.floor(i / 3) * 1000) })).id);
    }
    // Microsecond-distinct timestamps (a JS Date would round them to the same millisecond).
    await db.sql`UPDATE plugin_update_queue q SET created_at = q.created_at + interval '1 microsecond' * (u.n % 3)
                 FROM unnest(${seeded.slice(30)}::uuid[]) WITH ORDINALITY AS u(id, n) WHERE q.id = u.id`;
    const expected = (
      await db.sql<{ id: string }[]>`SELECT id FROM plugin_update_queue ORDER BY created_at DESC, id DESC`
    ).map((r) => r.id);
    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await call(t.app, "GET", `/admin/plugin-updates?${query}`);
      expect(res.status).toBe(200);
      const body: { items: { id: string }[]; next_cursor: string | null } = res.json();
      walked.push(...body.items.map((r) => r.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBe(5);
    expect(new Set(walked).size).toBe(47);
    expect(walked).toEqual(expected);
  });

  it("bad list queries are 400 with a reason", async () => {
    for (const query of [
      "status=bogus",
      "workspace_id=not-a-uuid",
      "drift_kind=weird",
      "limit=0",
      "limit=201",
      "limit=abc",
      "cursor=bm90LWEtY3Vyc29y",
      "cursor=%FF%FE",
      "unknown_param=1",
      `plugin_name=${"p".repeat(300)}`,
    ]) {
      const res = await call(t.app, "GET", `/admin/plugin-updates?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json().error.code).toMatch(/^invalid_(query|cursor)$/);
    }
  });

  it("GET /admin/targets/failing lists failing targets with their last error", async () => {
    await db.sql`INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref, last_error_kind, last_error,
                   consecutive_failures, next_check_at)
                 VALUES ('github.com/acme/gone#tag:v1', 'github', 'github.com', 'acme', 'gone', 'tag:v1', 'not_found',
                         'repository not found', 4, now() + interval '1 hour'),
                        ('github.com/acme/flaky#branch:main', 'github', 'github.com', 'acme', 'flaky', 'branch:main',
                         'transient', 'HTTP 502', 1, '-infinity'),
                        ('github.com/acme/fine#tag:latest', 'github', 'github.com', 'acme', 'fine', 'tag:latest',
                         NULL, NULL, 0, now())`;
    await db.sql`INSERT INTO drift_plugin_targets (plugin_id, target_key, source_raw, tracked_ref, drift_kind)
                 VALUES (gen_random_uuid(), 'github.com/acme/gone#tag:v1', 'github://acme/gone', 'tag:v1', 'tag_moved'),
                        (gen_random_uuid(), 'github.com/acme/gone#tag:v1', 'github://acme/gone', 'tag:v1', 'tag_moved')`;
    const res = await call(t.app, "GET", "/admin/targets/failing");
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.total).toBe(2);
    expect(body.items.map((r: { key: string }) => r.key)).toEqual([
      "github.com/acme/gone#tag:v1",
      "github.com/acme/flaky#branch:main",
    ]);
    expect(body.items[0]).toMatchObject({
      last_error_kind: "not_found",
      last_error: "repository not found",
      consecutive_failures: 4,
      plugins: 2,
    });
    expect(Date.parse(body.items[0].next_check_at)).toBeGreaterThan(Date.now());
    // "Check at once" (-infinity) is sent as null rather than an invalid date.
    expect(body.items[1].next_check_at).toBeNull();
    expect((await call(t.app, "GET", "/admin/targets/failing?limit=1")).json().items).toHaveLength(1);
    expect((await call(t.app, "GET", "/admin/targets/failing?limit=-1")).status).toBe(400);
  });

  it("GET /admin/sweeps/latest: null before any sweep, then the latest with summed message counters", async () => {
    await db.sql`DELETE FROM drift_sweeps`;
    expect((await call(t.app, "GET", "/admin/sweeps/latest")).json()).toEqual({ sweep: null });
    const [old] = await db.sql`INSERT INTO drift_sweeps (status, started_at, completed_at)
                               VALUES ('completed', now() - interval '2 hours', now() - interval '119 minutes') RETURNING id`;
    const [latest] =
      await db.sql`INSERT INTO drift_sweeps (status, started_at, rows_scanned, targets_dispatched,
                                    messages_sent) VALUES ('dispatched', now(), 120, 40, 3) RETURNING id`;
    await db.sql`INSERT INTO drift_sweep_messages (sweep_id, seq, target_count, status, targets_resolved, targets_failed,
                   drift_new, drift_superseded)
                 VALUES (${latest?.id}, 0, 20, 'done', 19, 1, 3, 1), (${latest?.id}, 1, 15, 'done', 15, 0, 2, 0),
                        (${latest?.id}, 2, 5, 'retrying', 0, 0, 0, 0), (${old?.id}, 0, 9, 'done', 9, 0, 9, 9)`;
    const { sweep } = (await call(t.app, "GET", "/admin/sweeps/latest")).json();
    expect(sweep).toMatchObject({
      id: latest?.id,
      status: "dispatched",
      rows_scanned: 120,
      targets_dispatched: 40,
      messages_sent: 3,
      messages: { total: 3, done: 2, retrying: 1 },
      targets: { resolved: 34, failed: 1, deferred: 0 },
      drift: { new: 5, refreshed: 0, superseded: 1 },
    });
  });

  it("unknown routes are 404, wrong methods 405 with Allow, all in the error shape", async () => {
    const notFound = await call(t.app, "GET", "/admin/nope");
    expect(notFound.status).toBe(404);
    expect(notFound.json()).toEqual({ error: { code: "not_found", message: "no such route" } });
    expect((await call(t.app, "GET", "/nope", { token: null })).status).toBe(404);
    const cases: [string, string, string][] = [
      ["GET", `/admin/plugin-updates/${randomUUID()}/apply`, "POST"],
      ["DELETE", "/admin/plugin-updates-pending", "GET, HEAD"],
      ["PUT", `/admin/plugin-updates/${randomUUID()}/dismiss`, "POST"],
      ["POST", "/admin/sweeps/latest", "GET, HEAD"],
      ["POST", "/health", "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(t.app, method, path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow")).toBe(allow);
      expect(res.json().error.code).toBe("method_not_allowed");
    }
    expect((await call(t.app, "HEAD", "/admin/plugin-updates-pending")).status).toBe(200);
  });

  it("bodies over the limit are 413", async () => {
    const res = await call(t.app, "POST", `/admin/plugin-updates/${randomUUID()}/apply`, {
      body: JSON.stringify({ padding: "x".repeat(20_000) }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(res.json().error.code).toBe("payload_too_large");
    // A small JSON body is accepted (and ignored).
    const u = await seedUpdate(db.sql);
    const ok = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/dismiss`, { body: "{}" });
    expect(ok.status).toBe(200);
  });

  it("CORS: allow-listed origins get the headers and a preflight; others do not", async () => {
    const allowed = "https://admin.example.com";
    const preflight = (origin: string) =>
      call(t.app, "OPTIONS", `/admin/plugin-updates/${randomUUID()}/apply`, {
        token: null,
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization",
        },
      });
    const ok = await preflight(allowed);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(ok.headers.get("access-control-allow-methods")).toContain("POST");
    expect(ok.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(ok.headers.get("vary")).toContain("Origin");
    const denied = await preflight("https://evil.example.com");
    expect(denied.status).toBe(403);
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();

    const get = await call(t.app, "GET", "/admin/plugin-updates-pending", { headers: { origin: allowed } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBe(allowed);
    const other = await call(t.app, "GET", "/admin/plugin-updates-pending", {
      headers: { origin: "https://x.test" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("GET /admin/ serves the page without a token, with a strict CSP", async () => {
    const res = await call(t.app, "GET", "/admin/", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    // The script is the bundled client from the same origin: no inline script at all.
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain("unsafe-inline");
    const js = await call(t.app, "GET", "/admin/app.js", { token: null });
    expect([js.status, js.headers.get("content-type")]).toEqual([200, "text/javascript; charset=utf-8"]);
    expect(res.text).toContain('id="token-form"');
    expect(res.text).not.toContain("innerHTML");
    expect((await call(t.app, "GET", "/admin", { token: null })).status).toBe(308);
  });

  it("a database failure is a 500 in the error shape (no details), and /health says 503", async () => {
    const down = createSql({ url: "postgres://drift@127.0.0.1:1/none" });
    const logger = captureLogger();
    const app = createAdminApp({
      sql: down,
      auth: { mode: "bearer", token: ADMIN_TOKEN },
      corsOrigins: [],
      notifier: recordingNotifier(),
      logger,
    });
    try {
      const res = await call(app, "GET", "/admin/plugin-updates-pending");
      expect(res.status).toBe(500);
      expect(res.json()).toEqual({ error: { code: "internal", message: "internal error" } });
      const apply = await call(app, "POST", `/admin/plugin-updates/${randomUUID()}/apply`);
      expect(apply.status).toBe(500);
      const health = await call(app, "GET", "/health", { token: null });
      expect(health.status).toBe(503);
      expect(health.json().error.code).toBe("database_unavailable");
      expect(logger.text()).toContain("unhandled error");
      expect(logger.text()).not.toContain(ADMIN_TOKEN);
    } finally {
      await down.end({ timeout: 1 });
    }
  });
});
