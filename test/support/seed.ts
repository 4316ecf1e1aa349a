import { createHash, randomUUID } from "node:crypto";
import { mapRowValues } from "@drift/core";
import type { Sql } from "@drift/db";
import { createRowPager, recordMappings } from "@drift/db/internal/mapping/mapping-store";

/** A deterministic 40-hex commit id for a label. */
export const sha = (label: string): string => createHash("sha1").update(label).digest("hex");

export interface PluginSeed {
  workspace_id?: string;
  plugin_name?: string;
  source_raw: string;
  tracked_ref?: string;
  installed_sha?: string | null;
}

/** Inserts workspace_plugins rows the way the platform does (only the columns the platform fills in). Returns their ids. */
export async function insertPlugins(sql: Sql, rows: readonly PluginSeed[]): Promise<string[]> {
  const full = rows.map((r) => ({
    workspace_id: r.workspace_id ?? randomUUID(),
    plugin_name: r.plugin_name ?? `plugin-${randomUUID().slice(0, 8)}`,
    source_raw: r.source_raw,
    tracked_ref: r.tracked_ref ?? "none",
    installed_sha: r.installed_sha ?? null,
  }));
  const ids: string[] = [];
  for (let i = 0; i < full.length; i += 5000) {
    const chunk = full.slice(i, i + 5000);
    const out = await sql<{ id: string }[]>`
      INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
      SELECT * FROM unnest(${chunk.map((r) => r.workspace_id)}::uuid[], ${chunk.map((r) => r.plugin_name)}::text[],
        ${chunk.map((r) => r.source_raw)}::text[], ${chunk.map((r) => r.tracked_ref)}::text[],
        ${chunk.map((r) => r.installed_sha)}::text[])
      RETURNING id`;
    ids.push(...out.map((r) => r.id));
  }
  return ids;
}

/** One plugin of a workspace following a GitHub repository: [plugin name, "owner/name", tracked_ref, installed_sha]. */
export type Follow = readonly [plugin: string, repo: string, ref: string, installed: string | null];

/** Inserts the plugins of one workspace that follow GitHub repositories (the usual test fixture). Returns their ids. */
export function insertFollows(sql: Sql, workspaceId: string, follows: readonly Follow[]): Promise<string[]> {
  return insertPlugins(
    sql,
    follows.map(([plugin_name, repo, tracked_ref, installed_sha]) => ({
      workspace_id: workspaceId,
      plugin_name,
      source_raw: `github://${repo}`,
      tracked_ref,
      installed_sha,
    })),
  );
}

/**
 * Runs the dispatcher's mapping pass (the rows new or changed since the last); returns the rows it wrote
 * (`scanned`) and what the mapping tables then hold (mapped, skipped, invalid).
 */
export async function mapAll(sql: Sql, pageSize = 1000) {
  let after: string | null = null;
  let scanned = 0;
  const pagePluginRows = createRowPager(sql);
  for (;;) {
    const page = await pagePluginRows(after, pageSize);
    if (page === null) break;
    scanned += (await recordMappings(sql, mapRowValues(page.values), page.scope)).mapped;
    after = page.next;
  }
  const [c] = await sql<{ mapped: number; skipped: number; invalid: number }[]>`
    SELECT (SELECT count(*) FROM drift_plugin_targets)::int AS mapped,
      count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
      count(*) FILTER (WHERE status = 'invalid')::int AS invalid
    FROM drift_row_problems`;
  return { scanned, mapped: c?.mapped ?? 0, skipped: c?.skipped ?? 0, invalid: c?.invalid ?? 0 };
}
