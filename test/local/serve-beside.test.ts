import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@drift/local";
import { afterAll, describe, expect, it } from "vitest";
import { seedUpdate } from "../support/api";
import { DRIFT_FROM_SOURCE, runDrift } from "../support/api-cli";

const ADMIN_TOKEN = "serve-beside-token-0123456789abcdef0123456789";
const dir = mkdtempSync(join(tmpdir(), "drift-beside-"));
const env: NodeJS.ProcessEnv = { DRIFT_DATA_DIR: dir, ADMIN_TOKEN, COLUMNS: "70" };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `drift serve` as users do (a process of its own on the embedded database); resolves with its URL. */
async function startServe(): Promise<{ child: ChildProcess; base: string; stderr: () => string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, [...DRIFT_FROM_SOURCE, "serve", "--port", "0"], { env: childEnv });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c) => {
    stdout += String(c);
  });
  child.stderr?.on("data", (c) => {
    stderr += String(c);
  });
  const started = performance.now();
  while (!/listening on (http:\/\/\S+)/.test(stdout)) {
    if (child.exitCode !== null) throw new Error(`drift serve exited early: ${stderr}`);
    if (performance.now() - started > 45_000) throw new Error(`drift serve did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base: /listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? "", stderr: () => stderr };
}

// The embedded database only: with DATABASE_URL, the CLI and the server both use that server already.
describe.skipIf(process.env.DATABASE_URL)("the CLI beside `drift serve` on the embedded database", () => {
  it("reaches the server's database through its socket while it runs, and the files again after", async () => {
    // The files exist before the server starts (a user ran commands first).
    expect((await runDrift(["migrate"], env)).code).toBe(0);
    const { child, base, stderr } = await startServe();
    const exited = once(child, "exit");
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    try {
      expect(existsSync(join(dir, "serve.json"))).toBe(true);
      // A writer beside the server (the server has written too: its migration check and outbox).
      const db = await openDatabase({ env });
      expect(db.viaServe).toBe(true);
      const rows = [];
      try {
        for (let i = 0; i < 3; i++) rows.push(await seedUpdate(db.sql, { plugin_name: `beside-${i}` }));
      } finally {
        await db.close();
      }
      const [a, b, c] = rows;
      if (!a || !b || !c) throw new Error("seed");
      const applied = await fetch(`${base}/admin/plugin-updates/${a.id}/apply`, { method: "POST", headers });
      expect(applied.status).toBe(200);
      // CLI commands and API calls at once, on the one database.
      const [pending, dismiss, api, history] = await Promise.all([
        runDrift(["pending"], env),
        runDrift(["dismiss", b.id, "--reason", "beside"], env),
        fetch(`${base}/admin/plugin-updates?status=pending`, { headers }).then((r) => r.json()),
        runDrift(["history"], env),
      ]);
      for (const r of [pending, dismiss, history]) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).not.toContain("Aborted");
      }
      expect(pending.stdout).toContain(c.id.slice(0, 8));
      expect((api as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(1);
      const log = await fetch(`${base}/admin/plugin-updates?history=true`, { headers }).then((r) => r.json());
      expect(
        (log as { items: { id: string; decided_by: string; action: string }[] }).items.map((e) => [
          e.id,
          e.action,
          e.decided_by,
        ]),
      ).toEqual([
        [b.id, "dismiss", "cli"],
        [a.id, "apply", "token"],
      ]);
      expect((await runDrift(["apply", c.id], env)).code).toBe(0);
    } finally {
      child.kill("SIGTERM");
    }
    expect((await exited)[0], stderr()).toBe(0);
    // Stopped: the lock is gone and the CLI opens the files itself, with everything the server saw.
    expect(existsSync(join(dir, "serve.json"))).toBe(false);
    const after = await runDrift(["history", "--json"], env);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).items.map((e: { action: string }) => e.action)).toEqual([
      "apply",
      "dismiss",
      "apply",
    ]);
  });

  it("a lock left by a server that is gone is ignored; one that does not answer is one line, not an abort", async () => {
    const lock = join(dir, "serve.json");
    const url = "postgres://postgres@127.0.0.1:9/postgres";
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 7, database_url: url, started_at: "x" }));
    const stale = await runDrift(["pending"], env);
    expect(stale.code, stale.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
    // A live process (this one) claims the database but nothing listens on its socket.
    writeFileSync(lock, JSON.stringify({ pid: process.pid, database_url: url, started_at: "x" }));
    const dead = await runDrift(["pending"], env);
    expect(dead.code).toBe(1);
    expect(dead.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(dead.stderr).toMatch(
      /drift pending: drift serve \(pid \d+\) holds the embedded database .*restart/,
    );
    rmSync(lock);
  });
});
