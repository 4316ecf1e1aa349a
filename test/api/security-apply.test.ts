/**
 * Issue 15: apply refuses a latest_sha that is not a full commit id, on every path (API, CLI, the decision
 * function), writing nothing and never echoing the value.
 */

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, seedUpdate, type TestApp, testAdminApp } from "../support/api";
import { type CliDatabase, createCliDatabase, runDrift } from "../support/api-cli";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { decideIn } from "../support/decisions";
import { sha } from "../support/seed";

const SCRIPT = "</script><script>alert(1)</script>";

describe(`apply refuses a latest_sha that is not a full commit id (${dbLabel})`, () => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => db?.close());
  beforeEach(() => {
    t = testAdminApp(db.sql);
  });

  const installed = async (workspaceId: string, name: string) =>
    (
      await db.sql<{ installed_sha: string | null; updated_at: Date }[]>`
        SELECT installed_sha, updated_at FROM workspace_plugins
        WHERE workspace_id = ${workspaceId} AND plugin_name = ${name}`
    )[0];
  const status = async (id: string) =>
    (await db.sql<{ status: string }[]>`SELECT status FROM plugin_update_queue WHERE id = ${id}`)[0]?.status;
  const outbox = async () =>
    (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drift_event_outbox`)[0]?.n;

  const invalid = [SCRIPT, sha("x").slice(0, 39), `${sha("x")}0`, sha("x").slice(0, 7), "g".repeat(40), ""];
  it.each(invalid)("latest_sha %j: 409 invalid_latest_sha, nothing written, no event", async (latest) => {
    const u = await seedUpdate(db.sql, { latest_sha: latest });
    const before = await installed(u.workspace_id, u.plugin_name);
    const outboxBefore = await outbox();
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(409);
    expect(res.json().error.code).toBe("invalid_latest_sha");
    expect(res.text).not.toContain("<script>");
    expect(await installed(u.workspace_id, u.plugin_name)).toEqual(before);
    expect(await status(u.id)).toBe("pending");
    expect(await outbox()).toBe(outboxBefore);
    expect(t.notifier.events).toEqual([]);
    // The one decision path refuses it too (bulk and policy apply go through it).
    const direct = await decideIn(db.sql, u.id, "apply", { decidedBy: "policy:test" });
    expect(direct).toMatchObject({ kind: "conflict", code: "invalid_latest_sha" });
    // Dismissing such a row stays possible: that is how an operator clears it.
    expect((await call(t.app, "POST", `/admin/plugin-updates/${u.id}/dismiss`)).status).toBe(200);
  });

  it("a full SHA-1 (any case) or SHA-256 latest_sha is applied", async () => {
    for (const latest of [sha("a").toUpperCase(), `${sha("b")}${sha("c").slice(0, 24)}`]) {
      const u = await seedUpdate(db.sql, { latest_sha: latest });
      const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
      expect(res.status).toBe(200);
      expect((await installed(u.workspace_id, u.plugin_name))?.installed_sha).toBe(latest);
    }
  });
});

describe(`drift apply refuses a hostile latest_sha (${dbLabel})`, () => {
  let cli: CliDatabase;
  beforeAll(async () => {
    cli = await createCliDatabase();
    await runDrift(["migrate"], cli.env);
  });
  afterAll(async () => cli?.close());

  it("exits 1 with the refusal; workspace_plugins and the outbox unchanged", async () => {
    const u = await cli.withSql((sql) => seedUpdate(sql, { latest_sha: SCRIPT }));
    const result = await runDrift(["apply", u.id], cli.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no valid latest_sha");
    expect(result.stderr).not.toContain("<script>");
    expect(result.stdout).toBe("");
    const after = await cli.withSql(async (sql) => ({
      installed: (
        await sql<{ installed_sha: string }[]>`
          SELECT installed_sha FROM workspace_plugins WHERE workspace_id = ${u.workspace_id}`
      )[0]?.installed_sha,
      outbox: (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drift_event_outbox`)[0]?.n,
      status: (await sql<{ status: string }[]>`SELECT status FROM plugin_update_queue WHERE id = ${u.id}`)[0]
        ?.status,
    }));
    expect(after).toEqual({ installed: u.current_sha, outbox: 0, status: "pending" });
  });
});
