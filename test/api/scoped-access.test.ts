import { randomUUID } from "node:crypto";
import { createAdminApp } from "@drift/api";
import type { Sql } from "@drift/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  call,
  captureLogger,
  recordingNotifier,
  type SeededUpdate,
  seedUpdate,
  type TestApp,
  testAdminApp,
} from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
  t = testAdminApp(db.sql);
});
afterAll(async () => db?.close());
beforeEach(async () => {
  await db.sql`TRUNCATE workspace_plugins, plugin_update_queue, drift_event_outbox, drift_targets,
    drift_plugin_targets, drift_integrity_events, drift_access_tokens`;
  t.logger.lines.length = 0;
});

const json = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
});

async function mint(body: Record<string, unknown>): Promise<{ id: string; token: string }> {
  const res = await call(t.app, "POST", "/admin/tokens", json({ name: "t", ...body }));
  expect(res.status, res.text).toBe(201);
  return res.json();
}

const rowsOf = (sql: Sql) =>
  sql<{ id: string; status: string; decided_by: string | null }[]>`
    SELECT id, status, decided_by FROM plugin_update_queue ORDER BY id`;

/** Two workspaces with a pending and a decided row each, a target each, an integrity event each. */
async function twoWorkspaces() {
  const [a, b] = [randomUUID(), randomUUID()];
  const seeded: Record<string, { pending: SeededUpdate; applied: SeededUpdate }> = {};
  for (const [ws, repo] of [
    [a, "alpha"],
    [b, "beta"],
  ] as const) {
    const pending = await seedUpdate(db.sql, { workspace_id: ws, plugin_name: repo });
    const applied = await seedUpdate(db.sql, {
      workspace_id: ws,
      plugin_name: `${repo}-old`,
      status: "applied",
    });
    const key = `github:github/acme/${repo}#tag:latest`;
    await db.sql`INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref, last_error_kind,
        last_error, consecutive_failures)
      VALUES (${key}, 'github', 'github', 'acme', ${repo}, 'tag:latest', 'not_found', 'gone', 2)`;
    await db.sql`INSERT INTO drift_plugin_targets (plugin_id, target_key, source_raw, tracked_ref, drift_kind)
      SELECT id, ${key}, source_raw, tracked_ref, 'new_version' FROM workspace_plugins
      WHERE workspace_id = ${ws} AND plugin_name = ${repo}`;
    await db.sql`UPDATE plugin_update_queue SET target_key = ${key} WHERE id = ${pending.id}`;
    await db.sql`INSERT INTO drift_integrity_events (kind, repo_key, tag, previous_sha, new_sha)
      VALUES ('tag_repointed', ${`github:github/acme/${repo}`}, 'v1', ${"a".repeat(40)}, ${"b".repeat(40)})`;
    seeded[ws] = { pending, applied };
  }
  return { a, b, seeded: seeded as Record<string, { pending: SeededUpdate; applied: SeededUpdate }> };
}

describe(`scoped access (${dbLabel})`, () => {
  it("two workspace tokens each see only their own rows in every list, group, history, failing and integrity route", async () => {
    const { a, b } = await twoWorkspaces();
    for (const [ws, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const { token } = await mint({ role: "workspace", workspace_id: ws });
      const get = async (path: string) => {
        const res = await call(t.app, "GET", path, { token });
        expect(res.status, `${path}: ${res.text}`).toBe(200);
        return res.json();
      };
      const pending = await get("/admin/plugin-updates-pending");
      expect(pending.map((r: { workspace_id: string }) => r.workspace_id)).toEqual([ws]);
      const all = await get("/admin/plugin-updates");
      expect(new Set(all.items.map((r: { workspace_id: string }) => r.workspace_id))).toEqual(new Set([ws]));
      expect(all.items).toHaveLength(2);
      // Asking for the other workspace by filter finds nothing: the scope wins over any filter.
      expect((await get(`/admin/plugin-updates?workspace_id=${other}`)).items).toEqual([]);
      const history = await get("/admin/plugin-updates?history=true");
      expect(history.items.map((r: { workspace_id: string }) => r.workspace_id)).toEqual([ws]);
      const groups = await get("/admin/plugin-updates?group=true");
      expect(groups.items.flatMap((g: { workspace_ids: string[] }) => g.workspace_ids)).toEqual([ws]);
      const failing = await get("/admin/targets/failing");
      expect(failing.total).toBe(1);
      expect(failing.items).toMatchObject([{ plugins: 1 }]);
      const integrity = await get("/admin/integrity-events");
      expect(integrity.items).toHaveLength(1);
      expect(integrity.items[0].repo_key).toBe(`github:github/acme/${ws === a ? "alpha" : "beta"}`);
      expect(await get("/admin/whoami")).toMatchObject({ role: "workspace", workspace_id: ws });
    }
    // The operator still sees both.
    const res = await call(t.app, "GET", "/admin/plugin-updates-pending");
    expect(res.json()).toHaveLength(2);
  });

  it("deciding another workspace's row is the unknown id's 404 and changes nothing; bulk decides only its own", async () => {
    const { a, b, seeded } = await twoWorkspaces();
    const { token, id: tokenId } = await mint({ role: "workspace", workspace_id: a });
    const before = await rowsOf(db.sql);
    const theirs = seeded[b]?.pending.id as string;
    const unknown = randomUUID();
    for (const action of ["apply", "dismiss", "reopen"]) {
      const cross = await call(t.app, "POST", `/admin/plugin-updates/${theirs}/${action}`, { token });
      const none = await call(t.app, "POST", `/admin/plugin-updates/${unknown}/${action}`, { token });
      expect(cross.status).toBe(404);
      expect(none.status).toBe(404);
      expect(cross.json().error.code).toBe(none.json().error.code);
      // The message names the id asked for, as for an unknown one: nothing else differs.
      expect(cross.text.replace(theirs, "ID")).toBe(none.text.replace(unknown, "ID"));
    }
    expect(await rowsOf(db.sql)).toEqual(before);
    const mine = seeded[a]?.pending.id as string;
    const bulk = await call(t.app, "POST", "/admin/plugin-updates/bulk", {
      token,
      ...json({ action: "dismiss", ids: [theirs, mine, unknown], reason: "not now" }),
    });
    expect(bulk.status).toBe(200);
    expect(bulk.json().results).toEqual([
      { id: theirs, error: { code: "not_found", message: `no plugin update ${theirs}` } },
      { id: mine, status: "dismissed" },
      { id: unknown, error: { code: "not_found", message: `no plugin update ${unknown}` } },
    ]);
    const after = await rowsOf(db.sql);
    expect(after.find((r) => r.id === theirs)).toEqual(before.find((r) => r.id === theirs));
    // The audit names the token.
    expect(after.find((r) => r.id === mine)).toMatchObject({
      status: "dismissed",
      decided_by: `token:${tokenId}`,
    });
    const applied = await call(t.app, "POST", `/admin/plugin-updates/${mine}/reopen`, { token });
    expect(applied.status).toBe(200);
    const done = await call(t.app, "POST", `/admin/plugin-updates/${mine}/apply`, { token });
    expect(done.status).toBe(200);
    expect(done.json()).toMatchObject({ status: "applied", workspace_id: a });
  });

  it("operator-only route groups answer a workspace token 403, and an operator token 2xx like ADMIN_TOKEN", async () => {
    const ws = randomUUID();
    const { token } = await mint({ role: "workspace", workspace_id: ws });
    const operator = await mint({ role: "operator" });
    for (const [method, path] of [
      ["GET", "/admin/tokens"],
      ["POST", "/admin/tokens"],
      ["DELETE", `/admin/tokens/${operator.id}`],
      ["GET", "/admin/policies"],
      ["PUT", "/admin/policies"],
      ["DELETE", `/admin/policies/${randomUUID()}`],
      ["GET", "/admin/rollouts"],
      ["POST", "/admin/rollouts"],
      ["GET", "/admin/notifications"],
      ["PUT", "/admin/notifications"],
      ["GET", "/admin/sweeps/latest"],
    ]) {
      const body = method === "GET" ? {} : json({});
      const res = await call(t.app, method as string, path as string, { token, ...body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json().error.code).toBe("forbidden");
    }
    // The operator token does what ADMIN_TOKEN does, and decisions name it.
    const u = await seedUpdate(db.sql, { workspace_id: ws });
    expect((await call(t.app, "GET", "/admin/policies", { token: operator.token })).status).toBe(200);
    expect((await call(t.app, "GET", "/admin/tokens", { token: operator.token })).status).toBe(200);
    expect((await call(t.app, "GET", "/admin/sweeps/latest", { token: operator.token })).status).toBe(200);
    const applied = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`, {
      token: operator.token,
    });
    expect(applied.status).toBe(200);
    const [row] = await db.sql<
      { decided_by: string }[]
    >`SELECT decided_by FROM plugin_update_queue WHERE id = ${u.id}`;
    expect(row?.decided_by).toBe(`token:${operator.id}`);
    // ADMIN_TOKEN itself stays `token`.
    const other = await seedUpdate(db.sql);
    await call(t.app, "POST", `/admin/plugin-updates/${other.id}/dismiss`);
    const [mine] = await db.sql<
      { decided_by: string }[]
    >`SELECT decided_by FROM plugin_update_queue WHERE id = ${other.id}`;
    expect(mine?.decided_by).toBe("token");
  });

  it("revoked, expired, malformed and other-environment tokens are 401; a revoked token on the very next request", async () => {
    const ws = randomUUID();
    const minted = await mint({ role: "workspace", workspace_id: ws });
    const whoami = (token: string) => call(t.app, "GET", "/admin/whoami", { token });
    expect((await whoami(minted.token)).status).toBe(200);
    const revoked = await call(t.app, "DELETE", `/admin/tokens/${minted.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json()).toMatchObject({ status: "revoked", active: false });
    expect((await whoami(minted.token)).status).toBe(401);
    expect((await call(t.app, "DELETE", `/admin/tokens/${randomUUID()}`)).status).toBe(404);
    expect((await call(t.app, "DELETE", "/admin/tokens/nope")).status).toBe(400);

    const expiring = await mint({
      role: "operator",
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    });
    expect((await whoami(expiring.token)).status).toBe(200);
    await db.sql`UPDATE drift_access_tokens SET expires_at = now() - interval '1 second' WHERE id = ${expiring.id}`;
    const expired = await whoami(expiring.token);
    expect(expired.status).toBe(401);
    expect(expired.json().error.message).toMatch(/revoked or expired/);

    const live = await mint({ role: "operator" });
    const elsewhere = live.token.replace(/^drift_local_/, "drift_prod_");
    const foreign = await whoami(elsewhere);
    expect(foreign.status).toBe(401);
    expect(foreign.json().error.message).toMatch(/another environment/);
    const wrongSecret = `${live.token.slice(0, -4)}AAAA`;
    const unknownId = `drift_local_${"A".repeat(22)}_${live.token.slice(-32)}`;
    for (const bad of [wrongSecret, unknownId, "drift_local_x_y", `${live.token}x`, "Bearer"]) {
      const res = await whoami(bad);
      expect(res.status, bad).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
    // Another environment's deployment refuses this one's tokens.
    const prod = createAdminApp({
      sql: db.sql,
      auth: { mode: "bearer", token: ADMIN_TOKEN },
      corsOrigins: [],
      notifier: recordingNotifier(),
      tokenEnvironment: "prod",
    });
    expect((await call(prod, "GET", "/admin/whoami", { token: live.token })).status).toBe(401);
  });

  it("the secret is shown once: never listed, logged or stored", async () => {
    const logger = captureLogger();
    const app = createAdminApp({
      sql: db.sql,
      auth: { mode: "bearer", token: ADMIN_TOKEN },
      corsOrigins: [],
      notifier: recordingNotifier(),
      logger,
    });
    const created = await call(app, "POST", "/admin/tokens", json({ name: "agent", role: "operator" }));
    expect(created.status).toBe(201);
    const { token, id } = created.json();
    expect(token).toMatch(/^drift_local_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{32}$/);
    expect(token.length).toBeLessThanOrEqual(70);
    const secret = token.slice(-32);
    await call(app, "GET", "/admin/whoami", { token });
    await call(app, "GET", "/admin/whoami", { token: `${token.slice(0, -1)}x` });
    const list = await call(app, "GET", "/admin/tokens");
    expect(list.json().items).toMatchObject([{ id, name: "agent", role: "operator", active: true }]);
    expect(list.text).not.toContain(secret);
    expect((await call(app, "DELETE", `/admin/tokens/${id}`)).text).not.toContain(secret);
    expect(logger.text()).not.toContain(secret);
    expect(logger.text()).toContain(id);
    const dump = await db.sql<
      { row: string }[]
    >`SELECT row_to_json(t)::text AS row FROM drift_access_tokens t`;
    expect(dump.map((r) => r.row).join("\n")).not.toContain(secret);
    expect(dump[0]?.row).toMatch(/scrypt\$16384\$8\$1\$/);
  });

  it("refuses a token body that is not one: 400 with the reason", async () => {
    for (const [body, reason] of [
      [{ name: "x", role: "workspace" }, /workspace_id/],
      [{ name: "x", role: "operator", workspace_id: randomUUID() }, /workspace_id/],
      [{ name: "", role: "operator" }, /name/],
      [{ name: "x", role: "root" }, /role/],
      [{ name: "x", role: "operator", expires_at: "2001-01-01T00:00:00Z" }, /future/],
      [{ name: "x", role: "operator", extra: 1 }, /unknown key/],
    ] as const) {
      const res = await call(t.app, "POST", "/admin/tokens", json(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error.message).toMatch(reason);
    }
    expect((await call(t.app, "POST", "/admin/tokens", { body: "{" })).status).toBe(400);
  });
});
