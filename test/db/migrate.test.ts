import { migrate } from "@drift/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());

describe(`migrations (${dbLabel})`, () => {
  it("a fresh database gets every migration in one transaction (one commit, not one per migration)", async () => {
    // now() is the transaction's start: one value for every row means one transaction.
    const [r] = await db.sql<{ migrations: number; commits: number }[]>`
      SELECT count(*)::int AS migrations, count(DISTINCT applied_at)::int AS commits FROM drift_migrations`;
    expect(r?.migrations).toBeGreaterThanOrEqual(18);
    expect(r?.commits).toBe(1);
  });

  it("are idempotent: a second and third run apply nothing and change no table", async () => {
    const snapshot = () =>
      db.sql`SELECT table_name, column_name, data_type FROM information_schema.columns
             WHERE table_schema = current_schema() ORDER BY 1, 2`;
    const before = await snapshot();
    const second = await migrate(db.sql);
    const third = await migrate(db.sql);
    expect(second.applied).toEqual([]);
    expect(third.applied).toEqual([]);
    expect(second.alreadyApplied.length).toBeGreaterThanOrEqual(2);
    expect(await snapshot()).toEqual(before);
  });

  it("an up-to-date check does not hide a missing migration: a schema missing one gets it applied", async () => {
    await db.sql`DELETE FROM drift_migrations WHERE id = '006_incremental_mapping'`;
    const again = await migrate(db.sql);
    expect(again.applied).toEqual(["006_incremental_mapping"]);
    expect((await migrate(db.sql)).applied).toEqual([]);
  });

  it("creates the platform's partial unique index with its predicate", async () => {
    const [idx] = await db.sql`SELECT indexdef FROM pg_indexes
      WHERE indexname = 'plugin_update_queue_pending_unique' AND schemaname = current_schema()`;
    expect(idx?.indexdef).toMatch(
      /UNIQUE INDEX .* \(workspace_id, plugin_name\) WHERE \(status = 'pending'::text\)/,
    );
  });

  it("accepts rows written the platform's way (only the platform's columns, defaults for the rest)", async () => {
    await db.sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw)
                 VALUES (gen_random_uuid(), 'p', 'github://a/b')`;
    const [row] =
      await db.sql`SELECT tracked_ref, installed_sha FROM workspace_plugins WHERE plugin_name = 'p'`;
    expect(row).toEqual({ tracked_ref: "none", installed_sha: null });
  });

  it("allows status superseded and rejects an unknown status", async () => {
    const ws = "00000000-0000-4000-8000-000000000001";
    await db.sql`INSERT INTO plugin_update_queue (workspace_id, plugin_name, tracked_ref, current_sha, latest_sha, status)
                 VALUES (${ws}, 'x', 'tag:v1', 'aaaaaaa', 'bbbbbbb', 'superseded')`;
    await expect(
      db.sql`INSERT INTO plugin_update_queue (workspace_id, plugin_name, tracked_ref, current_sha, latest_sha, status)
             VALUES (${ws}, 'y', 'tag:v1', 'aaaaaaa', 'bbbbbbb', 'bogus')`,
    ).rejects.toThrow(/check constraint/);
  });
});
