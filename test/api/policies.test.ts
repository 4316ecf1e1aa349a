import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, seedUpdate, type TestApp, testAdminApp } from "../support/api";
import { createCliDatabase, runDrift } from "../support/api-cli";
import { createTestDb, type TestDb } from "../support/db";

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());
beforeEach(async () => {
  t = testAdminApp(db.sql);
  await db.sql`TRUNCATE plugin_update_queue, drift_policies, drift_integrity_events`;
});
const label = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";
const put = (body: unknown) => call(t.app, "PUT", "/admin/policies", { body: JSON.stringify(body) });

describe(`policies API (${label})`, () => {
  it("creates one policy per scope, replaces it by scope or id, lists and deletes", async () => {
    const ws = randomUUID();
    const global = await put({ auto_apply: "patch", min_release_age: "3d" });
    expect(global.status).toBe(201);
    expect(global.json()).toMatchObject({
      workspace_id: null,
      plugin_name: null,
      auto_apply: "patch",
      min_release_age: "3d",
    });
    expect(global.json().require).toBe("none");
    const plugin = await put({
      workspace_id: ws,
      plugin_name: "lint",
      auto_apply: "none",
      require: "immutable",
    });
    expect(plugin.status).toBe(201);
    expect(plugin.json().require).toBe("immutable");
    // Same scope again: replaced, not duplicated.
    const again = await put({ auto_apply: "minor" });
    expect(again.status).toBe(200);
    expect(again.json().id).toBe(global.json().id);
    const list = await call(t.app, "GET", "/admin/policies");
    expect(list.json().items.map((p: { auto_apply: string }) => p.auto_apply)).toEqual(["minor", "none"]);
    // Moving a policy onto a scope another one holds: 409.
    const clash = await put({ id: plugin.json().id, auto_apply: "none" });
    expect(clash.status).toBe(409);
    expect(clash.json().error.code).toBe("policy_scope_taken");
    expect((await put({ id: randomUUID(), workspace_id: ws, auto_apply: "none" })).status).toBe(404);
    const del = await call(t.app, "DELETE", `/admin/policies/${plugin.json().id}`);
    expect(del.status).toBe(200);
    expect((await call(t.app, "DELETE", `/admin/policies/${plugin.json().id}`)).status).toBe(404);
    expect((await call(t.app, "DELETE", "/admin/policies/nope")).status).toBe(400);
  });

  it.each([
    [{ auto_apply: "sometimes" }, "auto_apply"],
    [{ auto_apply: "patch", min_release_age: "soon" }, "min_release_age"],
    [{ auto_apply: "patch", min_release_age: "400d" }, "min_release_age"],
    [{ plugin_name: "lint", auto_apply: "patch" }, "plugin_name"],
    [{ workspace_id: "not-a-uuid" }, "workspace_id"],
    [{ auto_apply: "patch", extra: 1 }, "extra"],
    [{ auto_apply: "patch", require: "notarized" }, "require"],
    [{ auto_apply: "patch", require: null }, "require"],
  ])("refuses %j with a 400 naming %s", async (body, field) => {
    const res = await put(body);
    expect(res.status).toBe(400);
    expect(res.json().error.code).toBe("invalid_policy");
    expect(res.json().error.message).toContain(field);
  });

  it("refuses a body that is not JSON with a 400", async () => {
    const res = await call(t.app, "PUT", "/admin/policies", { body: "{" });
    expect(res.status).toBe(400);
    expect(res.json().error.code).toBe("invalid_json");
  });

  it("apply while cooling down is 409 cooling_down unless ?force=true", async () => {
    const row = await seedUpdate(db.sql);
    await db.sql`UPDATE plugin_update_queue SET ready_at = now() + interval '1 hour' WHERE id = ${row.id}`;
    const early = await call(t.app, "POST", `/admin/plugin-updates/${row.id}/apply`);
    expect(early.status).toBe(409);
    expect(early.json().error.code).toBe("cooling_down");
    expect((await call(t.app, "POST", `/admin/plugin-updates/${row.id}/apply?force=maybe`)).status).toBe(400);
    const forced = await call(t.app, "POST", `/admin/plugin-updates/${row.id}/apply?force=true`);
    expect(forced.status).toBe(200);
    expect(forced.json().status).toBe("applied");
  });

  it("lists integrity events newest first", async () => {
    await db.sql`INSERT INTO drift_integrity_events (kind, repo_key, tag, previous_sha, new_sha, detected_at)
      VALUES ('tag_deleted', 'github:github.com/a/b', 'v1', 'aa', NULL, now() - interval '1 minute'),
             ('tag_repointed', 'github:github.com/a/b', 'v2', 'bb', 'cc', now())`;
    await db.sql`INSERT INTO drift_integrity_events
        (kind, repo_key, tag, previous_sha, new_sha, previous_tag_object, tag_object, detected_at)
      VALUES ('tag_recreated', 'github:github.com/a/b', 'v3', 'dd', 'dd', ${"1".repeat(40)}, ${"2".repeat(40)},
        now() - interval '2 minutes')`;
    const res = await call(t.app, "GET", "/admin/integrity-events");
    expect(res.status).toBe(200);
    const items = res.json().items;
    expect(items.map((e: { kind: string }) => e.kind)).toEqual([
      "tag_repointed",
      "tag_deleted",
      "tag_recreated",
    ]);
    // The tag objects where known (additive fields; null for lightweight or not known).
    expect(items[0]).toMatchObject({
      previous_sha: "bb",
      new_sha: "cc",
      previous_tag_object: null,
      tag_object: null,
    });
    expect(items[2]).toMatchObject({ previous_tag_object: "1".repeat(40), tag_object: "2".repeat(40) });
    expect((await call(t.app, "GET", "/admin/integrity-events?limit=0")).status).toBe(400);
  });
});

describe(`drift policy (${label})`, () => {
  it("sets, lists and removes policies; bad input is a usage error", async () => {
    const cli = await createCliDatabase();
    try {
      const ws = randomUUID();
      const set = await runDrift(
        ["policy", "set", "--workspace", ws, "--auto-apply", "patch", "--min-age", "72h"],
        cli.env,
      );
      expect(set.code).toBe(0);
      expect(set.stdout).toContain(`Created`);
      const list = await runDrift(["policy", "list", "--json"], cli.env);
      const [policy] = JSON.parse(list.stdout);
      expect(policy).toMatchObject({ workspace_id: ws, auto_apply: "patch", min_release_age: "72h" });
      expect((await runDrift(["policy", "set", "--plugin", "x"], cli.env)).code).toBe(2);
      expect((await runDrift(["policy", "set", "--min-age", "soon"], cli.env)).code).toBe(2);
      expect((await runDrift(["policy", "rm", policy.id], cli.env)).code).toBe(0);
      expect((await runDrift(["policy", "rm", policy.id], cli.env)).code).toBe(1);
      expect((await runDrift(["policy", "list"], cli.env)).stdout).toBe("No policies.\n");
      expect((await runDrift(["integrity"], cli.env)).stdout).toBe("No integrity events.\n");
      await cli.withSql(
        (sql) => sql`INSERT INTO drift_integrity_events (kind, repo_key, tag, previous_sha, new_sha,
          previous_tag_object, tag_object) VALUES ('tag_recreated', 'github:github/a/b', 'v1', ${"d".repeat(40)},
          ${"d".repeat(40)}, ${"1".repeat(40)}, ${"2".repeat(40)})`,
      );
      // The repository as operators name it (a/b), the commits; --wide adds the tag objects.
      expect((await runDrift(["integrity"], cli.env)).stdout).toMatch(
        new RegExp(`tag_recreated +a/b +v1 +${"d".repeat(8)} -> ${"d".repeat(8)}\n`),
      );
      expect((await runDrift(["integrity", "--wide"], cli.env)).stdout).toContain(
        `${"d".repeat(12)} -> ${"d".repeat(12)}  ${"1".repeat(12)} -> ${"2".repeat(12)}`,
      );
      await cli.withSql(async (sql) => {
        const row = await seedUpdate(sql);
        await sql`UPDATE plugin_update_queue SET ready_at = '2999-01-01T00:00:00Z' WHERE id = ${row.id}`;
      });
      // The table says how long is left; --wide gives the moment.
      const pending = await runDrift(["pending"], cli.env);
      expect(pending.stdout).toMatch(/ READY\n.* in \d+d\n/);
      const wide = await runDrift(["pending", "--wide"], cli.env);
      expect(wide.stdout).toContain("cooling down until 2999-01-01T00:00:00Z");
    } finally {
      await cli.close();
    }
  });
});
