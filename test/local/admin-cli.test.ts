import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, seedUpdate } from "../support/api";
import { type CliDatabase, createCliDatabase, DRIFT_FROM_SOURCE, runDrift } from "../support/api-cli";
import { dbLabel } from "../support/db";
import { sha } from "../support/seed";

let db: CliDatabase;
beforeAll(async () => {
  db = await createCliDatabase();
});
afterAll(async () => db?.close());

const installed = (workspaceId: string, name: string) =>
  db.withSql(
    async (sql) =>
      (
        await sql<{ installed_sha: string }[]>`
          SELECT installed_sha FROM workspace_plugins WHERE workspace_id = ${workspaceId} AND plugin_name = ${name}`
      )[0]?.installed_sha,
  );
const status = (id: string) =>
  db.withSql(
    async (sql) =>
      (await sql<{ status: string }[]>`SELECT status FROM plugin_update_queue WHERE id = ${id}`)[0]?.status,
  );

describe(`drift pending/apply/dismiss/serve (${dbLabel})`, () => {
  it("drift pending: a table (moved tags marked) and --json, newest first", async () => {
    expect((await runDrift(["pending"], db.env)).stdout).toContain("No pending updates.");
    const [older, newer] = await db.withSql(async (sql) => [
      await seedUpdate(sql, { created_at: new Date("2026-01-01T00:00:00Z"), resolved_tag: "v1.5.0" }),
      await seedUpdate(sql, { created_at: new Date("2026-01-02T00:00:00Z"), drift_kind: "tag_moved" }),
    ]);
    const table = await runDrift(["pending"], db.env);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(older?.id.slice(0, 8));
    expect(table.stdout).toContain("(!) tag_moved");
    // On a narrow terminal the kind is shortened, never its mark.
    const narrow = await runDrift(["pending"], { ...db.env, COLUMNS: "70" });
    const movedLine = narrow.stdout.split("\n").find((l) => l.startsWith(newer?.id.slice(0, 8) ?? "-"));
    expect(movedLine).toContain("(!) ");
    expect(Math.max(...narrow.stdout.split("\n").map((l) => l.length))).toBeLessThanOrEqual(70);
    expect(table.stdout).toContain("v1.5.0");
    expect(table.stdout).toContain(older?.current_sha.slice(0, 8));
    const json = await runDrift(["pending", "--json"], db.env);
    const rows = JSON.parse(json.stdout);
    expect(rows.map((r: { id: string }) => r.id)).toEqual([newer?.id, older?.id]);
    expect(rows[1]).toMatchObject({ drift_kind: "new_version", resolved_tag: "v1.5.0", status: "pending" });
  });

  it("drift apply / dismiss: the admin store's outcomes and exit codes", async () => {
    const [a, d] = await db.withSql(async (sql) => [await seedUpdate(sql), await seedUpdate(sql)]);
    if (!a || !d) throw new Error("seed failed");
    const applied = await runDrift(["apply", a.id], db.env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`Applied ${a.id}`);
    expect(applied.stderr).toContain('"message":"event plugin.update.applied"');
    expect(applied.stderr).toContain(a.latest_sha);
    expect(await installed(a.workspace_id, a.plugin_name)).toBe(a.latest_sha);
    expect((await runDrift(["apply", a.id], db.env)).stdout).toContain("Already applied");

    expect((await runDrift(["dismiss", d.id], db.env)).stdout).toContain(`Dismissed ${d.id}`);
    expect((await runDrift(["dismiss", d.id], db.env)).stdout).toContain("Already dismissed");
    const refused = await runDrift(["apply", d.id], db.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/dismissed, it cannot be applied/);
    expect(await status(d.id)).toBe("dismissed");
    expect((await runDrift(["dismiss", a.id], db.env)).code).toBe(1);

    const malformed = await runDrift(["apply", "not-a-uuid"], db.env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("ID must be a UUID");
    const unknown = await runDrift(["dismiss", randomUUID()], db.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no plugin update");
  });

  it("drift serve refuses to start without ADMIN_TOKEN (exit 2) and rejects a bad --port", async () => {
    const refused = await runDrift(["serve"], { ...db.env, ADMIN_TOKEN: "" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("ADMIN_TOKEN is not set");
    expect(refused.stdout).toBe("");
    const badPort = await runDrift(["serve", "--port", "http"], { ...db.env, ADMIN_TOKEN });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("--port must be");
  });

  it("drift serve (a real process): prints its URL, serves the API, stops cleanly on SIGTERM", async () => {
    const u = await db.withSql((sql) => seedUpdate(sql, { current_sha: sha("serve-current") }));
    const env: NodeJS.ProcessEnv = { ...process.env, ...db.env, ADMIN_TOKEN, DRIFT_LOG_LEVEL: "info" };
    if (!db.env.DATABASE_URL) delete env.DATABASE_URL;
    const child = spawn(process.execPath, [...DRIFT_FROM_SOURCE, "serve", "--port", "0"], {
      env,
      stdio: "pipe",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += String(c);
    });
    child.stderr.on("data", (c) => {
      stderr += String(c);
    });
    const exited = once(child, "exit");
    try {
      const started = performance.now();
      while (!/listening on (http:\/\/\S+)/.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`drift serve exited early: ${stderr}`);
        if (performance.now() - started > 45_000) throw new Error(`drift serve did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log(`drift serve started in ${Math.round(performance.now() - started)} ms`);
      const base = /listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? "";
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stdout).toContain(`${base}/admin/`);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/admin/plugin-updates-pending`)).status).toBe(401);
      const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const pending = (await (await fetch(`${base}/admin/plugin-updates-pending`, { headers })).json()) as {
        id: string;
      }[];
      expect(pending.map((r) => r.id)).toContain(u.id);
      const apply = await fetch(`${base}/admin/plugin-updates/${u.id}/apply`, { method: "POST", headers });
      expect(apply.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stderr).toContain("SIGTERM, shutting down");
    expect(stderr).toContain("drift serve: stopped");
    expect(stderr).toContain("event plugin.update.applied");
    expect(stderr).not.toContain(ADMIN_TOKEN);
    expect(await installed(u.workspace_id, u.plugin_name)).toBe(u.latest_sha);
  });
});
