import type { RowValues, SweepStore } from "@drift/core";
import { createSweepStore, type Sql } from "@drift/db";
import { describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins, sha } from "../support/seed";

const env = useSweepEnvironment();

/** The Postgres store, counting the values the mapping pass was handed (parsed) and the rows it wrote. */
function countingStore(sql: Sql, mappingListCap?: number) {
  const store = createSweepStore(sql, { mappingListCap });
  const parsed: RowValues[] = [];
  const written = { rows: 0 };
  /** How each page chose its rows: "ids" (a listed page of changed rows) or "blocks" (a physical scan). */
  const scopes: string[] = [];
  const wrapped: SweepStore = {
    ...store,
    async pagePluginRows(after, limit) {
      const page = await store.pagePluginRows(after, limit);
      parsed.push(...(page?.values ?? []));
      if (page) scopes.push(page.scope.kind);
      return page;
    },
    async recordMappings(page, scope) {
      const recorded = await store.recordMappings(page, scope);
      written.rows += recorded.mapped;
      return recorded;
    },
  };
  return { store: wrapped, parsed, written, scopes };
}

/** Plugin ids whose mapping or problem row is new, gone or another row version between two snapshots. */
function rewritten(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()].filter((k) => /^[mp]:/.test(k)));
  return [...new Set([...keys].filter((k) => before.get(k) !== after.get(k)).map((k) => k.slice(2)))].sort();
}

/** Row versions (xmin) of the sweeper's mapping tables and of the queue, keyed by row. */
async function versions(sql: Sql): Promise<Map<string, string>> {
  const rows = await sql<{ k: string; v: string }[]>`
    SELECT 'm:' || plugin_id AS k, xmin::text AS v FROM drift_plugin_targets
    UNION ALL SELECT 'p:' || plugin_id, xmin::text FROM drift_row_problems
    UNION ALL SELECT 'q:' || id, xmin::text FROM plugin_update_queue
    UNION ALL SELECT 'w:' || id, xmin::text FROM workspace_plugins`;
  return new Map(rows.map((r) => [r.k, r.v]));
}

/** What the mapping tables say, without timestamps (to compare an incremental pass with a full one). */
async function mappingState(sql: Sql) {
  return sql`SELECT w.plugin_name, m.target_key, m.source_raw, m.tracked_ref, m.drift_kind, p.status, p.reason
    FROM workspace_plugins w LEFT JOIN drift_plugin_targets m ON m.plugin_id = w.id
    LEFT JOIN drift_row_problems p ON p.plugin_id = w.id ORDER BY w.plugin_name`;
}

async function pendingState(sql: Sql) {
  return sql`SELECT plugin_name, tracked_ref, current_sha, latest_sha, drift_kind FROM plugin_update_queue
    WHERE status = 'pending' ORDER BY plugin_name`;
}

function world(prefix: string) {
  const w = env.sim.world;
  w.createRepo(`${prefix}/a`);
  const v1 = w.tag(`${prefix}/a`, "v1.0.0").commit;
  w.createRepo(`${prefix}/b`);
  const main = w.revParse(w.repo(`${prefix}/b`), "refs/heads/main") as string;
  return { v1, main };
}

describe(`incremental mapping (${dbLabel})`, () => {
  it("a first pass (nothing mapped yet) scans for distinct values without listing the rows; later passes list the few changed", async () => {
    const { sql } = env.db;
    const { v1 } = world("first");
    await insertPlugins(
      sql,
      Array.from({ length: 50 }, (_, i) => ({
        plugin_name: `p${i}`,
        source_raw: "github://first/a",
        tracked_ref: "tag:latest",
        installed_sha: v1,
      })),
    );
    const first = countingStore(sql);
    expect((await sweep(sql, env.sim, { store: first.store })).rows.mapped).toBe(50);
    // Fewer rows than the list's cap, yet no list: 50 rows, one value parsed.
    expect(first.scopes.every((k) => k === "blocks")).toBe(true);
    expect(first.parsed).toHaveLength(1);

    await insertPlugins(sql, [
      { plugin_name: "late", source_raw: "github://first/a", tracked_ref: "tag:v1.0.0", installed_sha: v1 },
    ]);
    const later = countingStore(sql);
    expect((await sweep(sql, env.sim, { store: later.store })).rows.mapped).toBe(1);
    expect(later.scopes).toEqual(["ids"]);
  });

  it.each([
    ["inc", "from the list of changed rows", undefined],
    ["scan", "by a keyset scan (many changed)", 1],
  ] as const)(
    "parses and writes only new, changed and deleted rows (%s: %s); the result equals a full mapping",
    async (prefix, _how, cap) => {
      const { sql } = env.db;
      const { v1, main } = world(prefix);
      const ok = Array.from({ length: 40 }, (_, i) => ({
        plugin_name: `ok${String(i).padStart(2, "0")}`,
        source_raw: `github://${prefix}/${i % 2 ? "a" : "b"}`,
        tracked_ref: i % 2 ? "tag:latest" : "branch:main",
        installed_sha: i % 2 ? v1 : main,
      }));
      const odd = [
        {
          plugin_name: "no-sha",
          source_raw: `github://${prefix}/b`,
          tracked_ref: "branch:main",
          installed_sha: null,
        },
        { plugin_name: "local", source_raw: "local://x", tracked_ref: "tag:latest", installed_sha: v1 },
        {
          plugin_name: "bad-ref",
          source_raw: `github://${prefix}/a`,
          tracked_ref: "bogus",
          installed_sha: v1,
        },
      ];
      await insertPlugins(sql, [...ok, ...odd]);
      const first = countingStore(sql, cap);
      const s1 = await sweep(sql, env.sim, { store: first.store });
      expect(s1.rows).toEqual({ scanned: 43, mapped: 43, skipped: 2, invalid: 1 });
      expect(first.written.rows).toBe(43);
      // Rows sharing their columns are parsed once: 20 + 20 "ok" rows share two values.
      expect(first.parsed).toHaveLength(5);

      // Nothing changed: nothing parsed, no row version of the mapping, the queue or the plugins changes.
      const before = await versions(sql);
      const idle = countingStore(sql, cap);
      const s2 = await sweep(sql, env.sim, { store: idle.store });
      expect(s2.rows).toEqual({ scanned: 43, mapped: 0, skipped: 2, invalid: 1 });
      expect(idle.parsed).toEqual([]);
      expect(idle.written.rows).toBe(0);
      expect(await versions(sql)).toEqual(before);

      // The platform changes some rows: a re-point, a new ref, a filled-in SHA, a broken SHA, a new and a deleted row.
      await sql`UPDATE workspace_plugins SET source_raw = ${`github://${prefix}/a`}, tracked_ref = 'tag:latest',
      installed_sha = ${sha("old")} WHERE plugin_name = 'ok00'`;
      await sql`UPDATE workspace_plugins SET tracked_ref = 'tag:v1.0.0' WHERE plugin_name = 'ok01'`;
      await sql`UPDATE workspace_plugins SET installed_sha = ${main} WHERE plugin_name = 'no-sha'`;
      await sql`UPDATE workspace_plugins SET installed_sha = 'not-a-sha' WHERE plugin_name = 'ok02'`;
      await sql`UPDATE workspace_plugins SET installed_sha = ${sha("elsewhere")} WHERE plugin_name = 'ok04'`;
      await sql`DELETE FROM workspace_plugins WHERE plugin_name = 'ok03'`;
      await insertPlugins(sql, [
        {
          plugin_name: "new",
          source_raw: `github://${prefix}/a`,
          tracked_ref: "tag:v1.0.0",
          installed_sha: sha("x"),
        },
      ]);
      const changedVersions = await versions(sql);
      const third = countingStore(sql, cap);
      const s3 = await sweep(sql, env.sim, { store: third.store });
      // ok04 only changed its installed_sha: remapped (a one-row write) so that its drift is judged again.
      const changedIds = (
        await sql<{ id: string }[]>`SELECT id FROM workspace_plugins
          WHERE plugin_name IN ('ok00', 'ok01', 'no-sha', 'ok02', 'ok04', 'new')`
      ).map((r) => r.id);
      expect(third.written.rows).toBe(6);
      expect(third.parsed).toHaveLength(6);
      expect(s3.rows).toEqual({ scanned: 43, mapped: 6, skipped: 1, invalid: 2 });
      const deleted = await sql`SELECT 1 FROM drift_plugin_targets m
      WHERE NOT EXISTS (SELECT 1 FROM workspace_plugins w WHERE w.id = m.plugin_id)`;
      expect(deleted).toHaveLength(0);
      // Exactly the changed rows were written (the deleted row's mapping pruned); every other kept its row version.
      const after = await versions(sql);
      const ok03 = [...changedVersions.keys()].filter((k) => k.startsWith("w:") && !after.has(k));
      expect(ok03).toHaveLength(0); // deleted before the snapshot: its mapping is the orphan the pass prunes
      const orphans = [...changedVersions.keys()].filter(
        (k) => /^[mp]:/.test(k) && !changedVersions.has(`w:${k.slice(2)}`),
      );
      expect(orphans).toHaveLength(1);
      expect(rewritten(changedVersions, after)).toEqual(
        [...changedIds, ...orphans.map((k) => k.slice(2))].sort(),
      );
      const incremental = { mapping: await mappingState(sql), pending: await pendingState(sql) };
      expect(incremental.pending.map((r) => r.plugin_name)).toContain("ok04");

      // The same rows mapped and swept from scratch give the same mapping and the same pending drift.
      await sql`TRUNCATE plugin_update_queue, drift_plugin_targets, drift_targets, drift_row_problems, drift_sweeps,
      drift_sweep_messages`;
      const full = await sweep(sql, env.sim);
      expect(full.rows.mapped).toBe(43);
      expect(await mappingState(sql)).toEqual(incremental.mapping);
      expect(await pendingState(sql)).toEqual(incremental.pending);
    },
  );
});
