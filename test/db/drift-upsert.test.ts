import { applyDrift } from "@drift/db/internal/sweep/drift-store";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { insertPlugins, mapAll, sha } from "../support/seed";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());
beforeEach(async () => {
  await db.sql`TRUNCATE workspace_plugins, plugin_update_queue, drift_plugin_targets, drift_targets, drift_row_problems`;
});

const KEY = "github:github/acme/lint#tag:latest";
const queue = () =>
  db.sql`SELECT plugin_name, status, current_sha, latest_sha, drift_kind, resolved_tag
         FROM plugin_update_queue ORDER BY plugin_name, created_at`;

/** One plugin "lint" following `source` at tag:latest, installed at v1, and mapped. */
async function followLint(source = "github://acme/lint") {
  await insertPlugins(db.sql, [
    { plugin_name: "lint", source_raw: source, tracked_ref: "tag:latest", installed_sha: sha("v1") },
  ]);
  await mapAll(db.sql);
}

describe(`set-based drift upsert (${dbLabel})`, () => {
  it("inserts one pending row; replaying the same upsert 3 times leaves exactly one", async () => {
    await followLint("github://acme/lint#v1.0.0");
    const first = await applyDrift(db.sql, [{ key: KEY, sha: sha("v2"), tag: "v2.0.0" }]);
    expect(first).toMatchObject({ new: 1, refreshed: 0, superseded: 0, compared: 1 });
    for (let i = 0; i < 3; i++) {
      expect(await applyDrift(db.sql, [{ key: KEY, sha: sha("v2"), tag: "v2.0.0" }])).toMatchObject({
        new: 0,
        refreshed: 0,
        superseded: 0,
      });
    }
    expect(await queue()).toEqual([
      {
        plugin_name: "lint",
        status: "pending",
        current_sha: sha("v1"),
        latest_sha: sha("v2"),
        drift_kind: "new_version",
        resolved_tag: "v2.0.0",
      },
    ]);
  });

  it("refreshes the pending row to a second SHA instead of adding one", async () => {
    await followLint();
    await applyDrift(db.sql, [{ key: KEY, sha: sha("v2"), tag: "v2.0.0" }]);
    const second = await applyDrift(db.sql, [{ key: KEY, sha: sha("v3"), tag: "v3.0.0" }]);
    expect(second).toMatchObject({ new: 0, refreshed: 1 });
    const rows = await queue();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "pending", latest_sha: sha("v3"), resolved_tag: "v3.0.0" });
  });

  it("supersedes the pending row when upstream comes back to the installed commit", async () => {
    await followLint();
    await applyDrift(db.sql, [{ key: KEY, sha: sha("v2") }]);
    // Upper-case and abbreviated forms still match: comparison is case-insensitive and by prefix.
    const back = await applyDrift(db.sql, [{ key: KEY, sha: sha("v1").toUpperCase() }]);
    expect(back).toMatchObject({ new: 0, refreshed: 0, superseded: 1 });
    expect((await queue()).map((r) => r.status)).toEqual(["superseded"]);
    // A later drift opens a new pending row beside the superseded one.
    await applyDrift(db.sql, [{ key: KEY, sha: sha("v4") }]);
    expect((await queue()).map((r) => r.status).sort()).toEqual(["pending", "superseded"]);
  });

  it("matches an abbreviated or upper-case installed SHA against the full resolved SHA", async () => {
    await insertPlugins(db.sql, [
      {
        plugin_name: "a",
        source_raw: "github://acme/lint",
        tracked_ref: "tag:latest",
        installed_sha: sha("v1").slice(0, 7),
      },
      {
        plugin_name: "b",
        source_raw: "github://acme/lint",
        tracked_ref: "tag:latest",
        installed_sha: sha("v1").toUpperCase(),
      },
    ]);
    await mapAll(db.sql);
    // In sync on their mapping and without a pending row: nothing to do, so not even read.
    expect(await applyDrift(db.sql, [{ key: KEY, sha: sha("v1") }])).toMatchObject({ new: 0, compared: 0 });
    expect(await queue()).toEqual([]);
    // Drifted on their mapping: read, and the abbreviated and upper-case SHAs are judged against the answer.
    expect(await applyDrift(db.sql, [{ key: KEY, sha: sha("v2") }])).toMatchObject({ new: 2, compared: 2 });
    // Back to v1: both hold a pending row, so both are read (in sync on the mapping) and superseded.
    expect(await applyDrift(db.sql, [{ key: KEY, sha: sha("v1") }])).toMatchObject({
      superseded: 2,
      compared: 2,
    });
  });

  it("reads the row as it is now: an installed_sha changed since mapping is judged on its new value", async () => {
    await insertPlugins(db.sql, [
      {
        plugin_name: "a",
        source_raw: "github://acme/lint",
        tracked_ref: "tag:latest",
        installed_sha: sha("v1"),
      },
      {
        plugin_name: "b",
        source_raw: "github://acme/lint",
        tracked_ref: "tag:latest",
        installed_sha: sha("v1"),
      },
    ]);
    await mapAll(db.sql);
    expect(await applyDrift(db.sql, [{ key: KEY, sha: sha("v2") }])).toMatchObject({ new: 2 });
    // a is updated to v2 by someone (as an apply does) after the mapping: its mapping still says v1, so it is read,
    // found in sync and its pending row superseded; b stays pending.
    await db.sql`UPDATE workspace_plugins SET installed_sha = ${sha("v2")} WHERE plugin_name = 'a'`;
    expect(await applyDrift(db.sql, [{ key: KEY, sha: sha("v2") }])).toMatchObject({
      new: 0,
      refreshed: 0,
      superseded: 1,
    });
    expect((await queue()).map((r) => `${r.plugin_name}:${r.status}`)).toEqual(["a:superseded", "b:pending"]);
    // A pending row of no recorded target (written before target_key existed) is still found and superseded.
    await db.sql`UPDATE plugin_update_queue SET target_key = NULL WHERE plugin_name = 'b'`;
    await db.sql`UPDATE workspace_plugins SET installed_sha = ${sha("v2")} WHERE plugin_name = 'b'`;
    await mapAll(db.sql);
    expect(await applyDrift(db.sql, [{ key: KEY, sha: sha("v2") }])).toMatchObject({ superseded: 1 });
    expect((await queue()).map((r) => `${r.plugin_name}:${r.status}`)).toEqual([
      "a:superseded",
      "b:superseded",
    ]);
  });

  it("skips and counts NULL / '' / invalid installed_sha, local:// and unknown schemes, and never queues them", async () => {
    const ref = "branch:main";
    await insertPlugins(db.sql, [
      { plugin_name: "ok", source_raw: "github://acme/lint", tracked_ref: ref, installed_sha: sha("old") },
      { plugin_name: "null-sha", source_raw: "github://acme/lint", tracked_ref: ref, installed_sha: null },
      { plugin_name: "empty-sha", source_raw: "github://acme/lint", tracked_ref: ref, installed_sha: "" },
      {
        plugin_name: "short-sha",
        source_raw: "github://acme/lint",
        tracked_ref: ref,
        installed_sha: "abc12",
      },
      {
        plugin_name: "bad-sha",
        source_raw: "github://acme/lint",
        tracked_ref: ref,
        installed_sha: "zzzzzzzz",
      },
      { plugin_name: "local", source_raw: "local://my-plugin", tracked_ref: ref, installed_sha: sha("x") },
      { plugin_name: "ftp", source_raw: "ftp://example.com/a/b", tracked_ref: ref, installed_sha: sha("x") },
      {
        plugin_name: "untracked",
        source_raw: "github://acme/lint",
        tracked_ref: "none",
        installed_sha: sha("x"),
      },
      {
        plugin_name: "bad-ref",
        source_raw: "github://acme/lint",
        tracked_ref: "latest",
        installed_sha: sha("x"),
      },
    ]);
    const counts = await mapAll(db.sql);
    expect(counts).toEqual({ scanned: 9, mapped: 1, skipped: 4, invalid: 4 });
    const problems = await db.sql`SELECT w.plugin_name, p.status FROM drift_row_problems p
      JOIN workspace_plugins w ON w.id = p.plugin_id ORDER BY 1`;
    expect(problems.map((p) => `${p.plugin_name}:${p.status}`)).toEqual([
      "bad-ref:invalid",
      "bad-sha:invalid",
      "empty-sha:skipped",
      "ftp:invalid",
      "local:skipped",
      "null-sha:skipped",
      "short-sha:invalid",
      "untracked:skipped",
    ]);
    const result = await applyDrift(db.sql, [
      { key: "github:github/acme/lint#branch:main", sha: sha("new") },
    ]);
    expect(result).toMatchObject({ new: 1, compared: 1 });
    expect((await queue()).map((r) => r.plugin_name)).toEqual(["ok"]);
  });

  it("a second mapping pass over unchanged rows writes nothing (no row version, no row lock)", async () => {
    await insertPlugins(db.sql, [
      {
        plugin_name: "a",
        source_raw: "github://acme/lint",
        tracked_ref: "tag:latest",
        installed_sha: sha("v1"),
      },
      { plugin_name: "b", source_raw: "local://b", tracked_ref: "tag:latest", installed_sha: sha("v1") },
      {
        plugin_name: "c",
        source_raw: "github://acme/lint",
        tracked_ref: "branch:main",
        installed_sha: sha("v1"),
      },
    ]);
    await mapAll(db.sql);
    const versions = () =>
      db.sql`SELECT 'm' AS t, plugin_id, xmin::text, xmax::text FROM drift_plugin_targets
             UNION ALL SELECT 'p', plugin_id, xmin::text, xmax::text FROM drift_row_problems ORDER BY 1, 2`;
    const before = await versions();
    expect(before).toHaveLength(3);
    await mapAll(db.sql);
    expect(await versions()).toEqual(before);
    // A change the platform makes is picked up: c now follows another ref, b became invalid.
    await db.sql`UPDATE workspace_plugins SET tracked_ref = 'branch:dev' WHERE plugin_name = 'c'`;
    await db.sql`UPDATE workspace_plugins SET source_raw = 'svn://b' WHERE plugin_name = 'b'`;
    await mapAll(db.sql);
    const rows = await db.sql`SELECT w.plugin_name, m.target_key, p.status FROM workspace_plugins w
      LEFT JOIN drift_plugin_targets m ON m.plugin_id = w.id LEFT JOIN drift_row_problems p ON p.plugin_id = w.id
      ORDER BY 1`;
    expect(rows).toEqual([
      { plugin_name: "a", target_key: KEY, status: null },
      { plugin_name: "b", target_key: null, status: "invalid" },
      { plugin_name: "c", target_key: "github:github/acme/lint#branch:dev", status: null },
    ]);
  });

  it("ignores a row whose tracked_ref changed after mapping (no judgement against a stale target)", async () => {
    await followLint();
    await db.sql`UPDATE workspace_plugins SET tracked_ref = 'branch:main'`;
    expect(await applyDrift(db.sql, [{ key: KEY, sha: sha("v2") }])).toMatchObject({ new: 0, compared: 0 });
  });

  it("upserts 10,000 rows in one call", async () => {
    const n = 10_000;
    await insertPlugins(
      db.sql,
      Array.from({ length: n }, (_, i) => ({
        plugin_name: `p${i}`,
        source_raw: `github://org${(i % 1000) % 400}/repo${(i % 1000) % 400}`,
        tracked_ref: `branch:b${i % 1000}`,
        installed_sha: sha(`old${i}`),
      })),
    );
    await mapAll(db.sql, 5000);
    const resolved = Array.from({ length: 1000 }, (_, j) => ({
      key: `github:github/org${j % 400}/repo${j % 400}#branch:b${j}`,
      sha: sha(`new${j}`),
    }));
    const started = performance.now();
    const result = await applyDrift(db.sql, resolved);
    const ms = performance.now() - started;
    console.log(
      `[measure] applyDrift: ${n} plugins over 1000 targets in one call: ${ms.toFixed(0)} ms (${db.kind})`,
    );
    expect(result).toEqual({ new: n, refreshed: 0, superseded: 0, compared: n });
    const [row] =
      await db.sql`SELECT count(*)::int AS count FROM plugin_update_queue WHERE status = 'pending'`;
    expect(row?.count).toBe(n);
    const again = await applyDrift(db.sql, resolved);
    expect(again).toEqual({ new: 0, refreshed: 0, superseded: 0, compared: n });
  });
});
