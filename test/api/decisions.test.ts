import { randomUUID } from "node:crypto";
import { createAdminApp } from "@drift/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  call,
  captureLogger,
  recordingNotifier,
  seedUpdate,
  type TestApp,
  testAdminApp,
} from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { sha } from "../support/seed";

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
  t = testAdminApp(db.sql);
});
afterAll(async () => db?.close());
beforeEach(async () => {
  await db.sql`TRUNCATE workspace_plugins, plugin_update_queue, drift_event_outbox, drift_targets,
    drift_review_packets, drift_review_compares`;
  t.notifier.events.length = 0;
});

const post = (path: string, body?: unknown) =>
  call(t.app, "POST", path, {
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
const rowOf = async (id: string) =>
  (
    await db.sql<
      { status: string; decided_by: string | null; decision_reason: string | null; hold_until: Date | null }[]
    >`SELECT status, decided_by, decision_reason, hold_until FROM plugin_update_queue WHERE id = ${id}`
  )[0];

describe(`decisions over the admin API (${dbLabel})`, () => {
  it("list rows join the review packet: repository, compare link, versions, commits ahead, signature, release", async () => {
    const u = await seedUpdate(db.sql, { plugin_name: "lint", resolved_tag: "v1.1.0" });
    const key = "github:github/acme/lint#tag:latest";
    await db.sql`UPDATE plugin_update_queue SET target_key = ${key}, source_raw = 'github://acme/lint' WHERE id = ${u.id}`;
    await db.sql`INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref)
      VALUES (${key}, 'github', 'github', 'acme', 'lint', 'tag:latest')`;
    await db.sql`INSERT INTO drift_review_packets (target_key, latest_sha, repo_url, to_version, committed_at, signature, release, status)
      VALUES (${key}, ${u.latest_sha}, 'https://github.com/acme/lint', 'v1.1.0', '2026-01-02T03:04:05Z', 'valid',
        ${db.sql.json({ tag: "v1.1.0", name: "One", url: "https://github.com/acme/lint/releases/tag/v1.1.0", published_at: "2026-01-02T00:00:00Z", prerelease: false, notes: "<img src=x onerror=alert(1)>" })},
        'complete')`;
    await db.sql`INSERT INTO drift_review_compares (target_key, current_sha, latest_sha, from_version, commits_ahead, related, status)
      VALUES (${key}, ${u.current_sha}, ${u.latest_sha}, 'v1.0.0', 3, true, 'complete')`;
    const other = await seedUpdate(db.sql, { plugin_name: "bare" });
    for (const path of ["/admin/plugin-updates-pending", "/admin/plugin-updates"]) {
      const res = await call(t.app, "GET", path);
      const items = path.endsWith("pending") ? res.json() : res.json().items;
      const row = items.find((r: { id: string }) => r.id === u.id);
      expect(row).toMatchObject({
        source_raw: "github://acme/lint",
        drift_kind: "new_version",
        repository: { host: "github.com", owner: "acme", name: "lint", url: "https://github.com/acme/lint" },
        compare_url: `https://github.com/acme/lint/compare/${u.current_sha}...${u.latest_sha}`,
        from_version: "v1.0.0",
        to_version: "v1.1.0",
        commits_ahead: 3,
        committed_at: "2026-01-02T03:04:05.000Z",
        signature: "valid",
        release: { tag: "v1.1.0", name: "One", prerelease: false, notes: "<img src=x onerror=alert(1)>" },
        ready_at: null,
        hold_until: null,
        decided_at: null,
        decided_by: null,
        decision_reason: null,
        suspicious: false,
      });
      // No packet yet: unknown stays null, never a guess.
      expect(items.find((r: { id: string }) => r.id === other.id)).toMatchObject({
        compare_url: null,
        from_version: null,
        commits_ahead: null,
        committed_at: null,
        signature: null,
        release: null,
      });
    }
  });

  it("dismiss keeps a reason and an until, audited as `token`; bad bodies are 400 whole", async () => {
    const u = await seedUpdate(db.sql);
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    for (const [body, code] of [
      [{ reason: "x".repeat(501) }, "invalid_body"],
      [{ until: "tomorrow" }, "invalid_body"],
      [{ until: "2020-01-01T00:00:00Z" }, "invalid_body"],
      [{ because: "no" }, "invalid_body"],
    ] as const) {
      const res = await post(`/admin/plugin-updates/${u.id}/dismiss`, body);
      expect(res.status).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    expect((await rowOf(u.id))?.status).toBe("pending");
    const res = await post(`/admin/plugin-updates/${u.id}/dismiss`, { reason: "waiting for 2.0", until });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: "dismissed", id: u.id });
    expect(await rowOf(u.id)).toEqual({
      status: "dismissed",
      decided_by: "token",
      decision_reason: "waiting for 2.0",
      hold_until: new Date(until),
    });
    // Without a body: a dismissal that holds for good.
    const v = await seedUpdate(db.sql);
    expect((await call(t.app, "POST", `/admin/plugin-updates/${v.id}/dismiss`)).status).toBe(200);
    expect(await rowOf(v.id)).toMatchObject({ hold_until: null, decision_reason: null, decided_by: "token" });
  });

  it("reopen: a dismissed row becomes pending; otherwise 409, unknown 404, malformed 400", async () => {
    const u = await seedUpdate(db.sql);
    await post(`/admin/plugin-updates/${u.id}/dismiss`, { reason: "later" });
    const reopened = await post(`/admin/plugin-updates/${u.id}/reopen`);
    expect(reopened.status).toBe(200);
    expect(reopened.json()).toMatchObject({ status: "reopened", id: u.id });
    expect(await rowOf(u.id)).toMatchObject({ status: "pending", hold_until: null, decided_by: "token" });
    expect((await post(`/admin/plugin-updates/${u.id}/reopen`)).json().error.code).toBe("update_pending");
    // Installed commit changed since: no longer the same drift.
    const moved = await seedUpdate(db.sql);
    await post(`/admin/plugin-updates/${moved.id}/dismiss`);
    await db.sql`UPDATE workspace_plugins SET installed_sha = ${sha("elsewhere")} WHERE plugin_name = ${moved.plugin_name}`;
    expect((await post(`/admin/plugin-updates/${moved.id}/reopen`)).json().error.code).toBe(
      "installed_sha_changed",
    );
    // Another pending row for the plugin: 409.
    const first = await seedUpdate(db.sql);
    await post(`/admin/plugin-updates/${first.id}/dismiss`);
    await seedUpdate(db.sql, {
      workspace_id: first.workspace_id,
      plugin_name: first.plugin_name,
      current_sha: first.current_sha,
    });
    const busy = await post(`/admin/plugin-updates/${first.id}/reopen`);
    expect([busy.status, busy.json().error.code]).toEqual([409, "pending_exists"]);
    const applied = await seedUpdate(db.sql, { status: "applied" });
    expect((await post(`/admin/plugin-updates/${applied.id}/reopen`)).status).toBe(409);
    expect((await post(`/admin/plugin-updates/${randomUUID()}/reopen`)).status).toBe(404);
    expect((await post("/admin/plugin-updates/nope/reopen")).status).toBe(400);
  });

  it("bulk over 500 ids: mixed outcomes in request order, each as the single route; bad bodies 400 whole", async () => {
    const pending = [];
    for (let i = 0; i < 495; i++) pending.push(await seedUpdate(db.sql, { plugin_name: `bulk-${i}` }));
    const dismissed = await seedUpdate(db.sql, { status: "dismissed" });
    const superseded = await seedUpdate(db.sql, { status: "superseded" });
    const changed = await seedUpdate(db.sql, { installed_sha: sha("other") });
    const missing = randomUUID();
    const ids = [
      dismissed.id,
      ...pending.slice(0, 250).map((p) => p.id),
      missing,
      superseded.id,
      changed.id,
      ...pending.slice(250).map((p) => p.id),
      pending[0]?.id as string,
    ];
    expect(ids).toHaveLength(500);
    const res = await post("/admin/plugin-updates/bulk", { action: "apply", ids });
    expect(res.status).toBe(200);
    const results = res.json().results;
    expect(results.map((r: { id: string }) => r.id)).toEqual(ids);
    expect(results[0]).toMatchObject({ id: dismissed.id, error: { code: "update_dismissed" } });
    expect(results[251]).toMatchObject({ id: missing, error: { code: "not_found" } });
    expect(results[252]).toMatchObject({ error: { code: "update_superseded" } });
    expect(results[253]).toMatchObject({ error: { code: "installed_sha_changed" } });
    expect(results[499]).toEqual({ id: pending[0]?.id, status: "already_applied" });
    expect(results.filter((r: { status?: string }) => r.status === "applied")).toHaveLength(495);
    expect(t.notifier.events).toHaveLength(495);
    const [audit] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM plugin_update_queue WHERE status = 'applied' AND decided_by = 'token' AND decided_at IS NOT NULL`;
    expect(audit?.n).toBe(495);
    for (const body of [
      { action: "apply", ids: [] },
      { action: "apply", ids: Array.from({ length: 501 }, () => randomUUID()) },
      { action: "apply", ids: [randomUUID(), "not-a-uuid"] },
      { action: "delete", ids: [randomUUID()] },
    ]) {
      const bad = await post("/admin/plugin-updates/bulk", body);
      expect(bad.status).toBe(400);
    }
    const dis = await post("/admin/plugin-updates/bulk", {
      action: "dismiss",
      ids: [changed.id],
      reason: "bad",
      until: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(dis.json().results).toEqual([{ id: changed.id, status: "dismissed" }]);
    expect(await rowOf(changed.id)).toMatchObject({ decision_reason: "bad", decided_by: "token" });
  });

  it("group=true: one entry per drift with count and ids, moved tags first; history filters decided rows", async () => {
    const ws = Array.from({ length: 40 }, () => randomUUID());
    const [cur, next] = [sha("g-cur"), sha("g-next")];
    for (const w of ws)
      await seedUpdate(db.sql, { workspace_id: w, plugin_name: "fleet", current_sha: cur, latest_sha: next });
    const moved = await seedUpdate(db.sql, {
      plugin_name: "moved",
      drift_kind: "tag_moved",
      tracked_ref: "tag:v1",
      created_at: new Date(0),
    });
    const res = await call(t.app, "GET", "/admin/plugin-updates?group=true");
    expect(res.status).toBe(200);
    const groups = res.json().items;
    expect(groups.map((g: { count: number }) => g.count)).toEqual([1, 40]);
    expect(groups[0]).toMatchObject({ ids: [moved.id], drift_kind: "tag_moved", suspicious: true });
    expect(groups[1]).toMatchObject({
      current_sha: cur,
      latest_sha: next,
      plugin_names: ["fleet"],
      workspaces: 40,
    });
    expect([...groups[1].workspace_ids].sort()).toEqual([...ws].sort());
    const bulk = await post("/admin/plugin-updates/bulk", {
      action: "dismiss",
      ids: groups[1].ids,
      reason: "not now",
    });
    expect(bulk.json().results.every((r: { status?: string }) => r.status === "dismissed")).toBe(true);
    const history = await call(t.app, "GET", "/admin/plugin-updates?history=true&decided_by=token&limit=200");
    expect(history.json().items).toHaveLength(40);
    expect(history.json().items[0]).toMatchObject({ status: "dismissed", decision_reason: "not now" });
    const grouped = await call(t.app, "GET", "/admin/plugin-updates?group=true&history=true");
    expect(grouped.json().items.map((g: { count: number; status: string }) => [g.count, g.status])).toEqual([
      [40, "dismissed"],
    ]);
    expect(
      (await call(t.app, "GET", "/admin/plugin-updates?history=true&status=pending")).json().items,
    ).toEqual([]);
    expect((await call(t.app, "GET", "/admin/plugin-updates?repository=a/b/c")).status).toBe(400);
  });

  it("a truncated grouped page has a cursor, and the grouped list pages to the end", async () => {
    for (let g = 0; g < 5; g++)
      for (let i = 0; i < 2; i++)
        await seedUpdate(db.sql, {
          plugin_name: `paged-${g}`,
          current_sha: sha(`paged-${g}-cur`),
          latest_sha: sha(`paged-${g}-next`),
        });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(
        t.app,
        "GET",
        `/admin/plugin-updates?group=true&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status, res.text).toBe(200);
      const body = res.json();
      expect(body.truncated).toBe(body.next_cursor !== null);
      seen.push(...body.items.map((g: { plugin_names: string[] }) => g.plugin_names[0]));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual(["paged-0", "paged-1", "paged-2", "paged-3", "paged-4"]);
    const bad = await call(t.app, "GET", "/admin/plugin-updates?group=true&cursor=WyJncm91cCIsLTFd");
    expect(bad.status).toBe(400);
  });

  it("apply of a row still cooling down is 409 cooling_down unless ?force=true", async () => {
    const u = await seedUpdate(db.sql);
    await db.sql`UPDATE plugin_update_queue SET ready_at = now() + interval '1 day' WHERE id = ${u.id}`;
    const refused = await post(`/admin/plugin-updates/${u.id}/apply`);
    expect([refused.status, refused.json().error.code]).toEqual([409, "cooling_down"]);
    const forced = await post(`/admin/plugin-updates/${u.id}/apply?force=true`);
    expect(forced.json()).toMatchObject({ status: "applied" });
  });

  it("behind an IAM Function URL, decided_by is the caller's principal ARN", async () => {
    const app = createAdminApp({
      sql: db.sql,
      auth: { mode: "iam" },
      corsOrigins: [],
      notifier: recordingNotifier(),
      logger: captureLogger(),
    });
    const u = await seedUpdate(db.sql);
    const arn = "arn:aws:sts::123456789012:assumed-role/Operator/alice";
    const res = await app.request(
      `/admin/plugin-updates/${u.id}/dismiss`,
      { method: "POST" },
      { event: { requestContext: { authorizer: { iam: { userArn: arn } } } } },
    );
    expect(res.status).toBe(200);
    expect((await rowOf(u.id))?.decided_by).toBe(arn);
  });
});
