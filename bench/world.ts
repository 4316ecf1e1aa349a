/** The benchmark's worlds: the simulated GitHub's repositories and the workspace_plugins rows that follow them. */
import { emptyProductTables, nonEmptyTables, type Sql } from "@drift/db";
import type { GitHubSim } from "@drift/github-sim";

/**
 * A fresh start for a measured first sweep: every table the product writes emptied (sweeps, queue, review
 * packets and comparisons, the tag ledger, first sightings, and any table a later migration adds: they are
 * found in the catalog), workspace_plugins included; the schema and its migrations stay. Then seeded.
 */
export async function freshStart(sql: Sql, seed: () => Promise<void>): Promise<void> {
  await emptyProductTables(sql);
  await seed();
  await assertFreshStart(sql);
}

/** Throws unless the only rows in the schema are the platform's workspace_plugins: a first sweep must be one. */
export async function assertFreshStart(sql: Sql): Promise<void> {
  const { workspace_plugins: _seeded, ...left } = await nonEmptyTables(sql);
  const names = Object.keys(left);
  if (names.length)
    throw new Error(`bench: a first sweep would start on a non-empty database (${names.join(", ")})`);
}

/**
 * W1: 400 repositories, each with branch main, branch b0 and annotated tag v1.0.0 on the same commit; 1,000
 * targets (main and v1.0.0 on every repository, b0 on the first 200); `moved` repositories get a new commit on main.
 * Returns the commit every row has installed (per repository).
 */
export function buildW1World(sim: GitHubSim, repos = 400, moved = 100): string[] {
  const installed: string[] = [];
  for (let r = 0; r < repos; r++) {
    const name = `bench/repo${r}`;
    sim.world.createRepo(name);
    sim.world.tag(name, "v1.0.0", { annotated: true });
    sim.world.setBranch(name, "b0");
    installed.push(sim.world.revParse(sim.world.repo(name), "refs/heads/main") as string);
  }
  for (let r = 0; r < moved; r++) sim.world.commit(`bench/repo${r}`, "main");
  return installed;
}

/** The i-th of 1,000 distinct W1 targets over 400 repositories (targets 0–99 are branch:main of moved repos). */
export function w1Target(i: number): { source: string; ref: string; repo: number } {
  const repo = i % 400;
  const kind = Math.floor(i / 400); // 0, 1, 2 (the last only for i < 200)
  const ref = ["branch:main", "tag:v1.0.0", "branch:b0"][kind] as string;
  return { source: `github://bench/repo${repo}`, ref, repo };
}

/**
 * W1's rows: `rows` plugins spread evenly over the 1,000 targets (10 each at 10,000 rows). With 100 moved
 * repositories, targets 0–99 (branch:main of repos 0–99) drift: 10% of the rows.
 */
export async function seedW1(sql: Sql, rows: number, installed: readonly string[]): Promise<void> {
  const idx = Array.from({ length: rows }, (_, k) => k);
  const t = idx.map((i) => w1Target(i % 1000));
  await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
    SELECT gen_random_uuid(), p, s, r, i FROM unnest(${idx.map((i) => `p${i}`)}::text[], ${t.map((x) => x.source)}::text[],
      ${t.map((x) => x.ref)}::text[], ${t.map((x) => installed[x.repo] as string)}::text[]) AS u(p, s, r, i)`;
  await sql`ANALYZE workspace_plugins`;
}

/** The scale world: 4,000 repositories with main and v1.0.0 (12,000 targets); 1 in 10 repositories moved. */
export function buildScaleWorld(sim: GitHubSim, repos = 4000): string[] {
  const installed: string[] = [];
  for (let r = 0; r < repos; r++) {
    const name = `big/repo${r}`;
    sim.world.createRepo(name);
    sim.world.tag(name, "v1.0.0");
    installed.push(sim.world.revParse(sim.world.repo(name), "refs/heads/main") as string);
  }
  for (let r = 0; r < repos; r += 10) sim.world.commit(`big/repo${r}`, "main");
  return installed;
}

/** `rows` plugins over the scale world, each installed at its repository's original main head. */
export async function seedScale(sql: Sql, rows: number, installed: readonly string[]): Promise<void> {
  const repos = installed.length;
  await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
    SELECT gen_random_uuid(), 'p' || g, 'github://big/repo' || (g % ${repos}),
      CASE (g / ${repos}) % 3 WHEN 0 THEN 'branch:main' WHEN 1 THEN 'tag:v1.0.0' ELSE 'ref:main' END,
      (${installed as string[]}::text[])[(g % ${repos}) + 1]
    FROM generate_series(0, ${rows - 1}) AS g`;
  await sql`VACUUM ANALYZE workspace_plugins`;
}

/**
 * The dispatcher's worst case (scripts/dispatcher-sizing.ts): `rows` plugins over 4,000 repositories (10,000
 * targets of every ref kind), each with its own installed commit, so no two rows share their values.
 */
export async function seedUniqueCommits(sql: Sql, rows: number): Promise<void> {
  await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
    SELECT gen_random_uuid(), 'p' || g, 'github://worst/repo' || (g % 4000),
      (ARRAY['branch:main', 'tag:v1.0.0', 'ref:main'])[1 + (g / 4000) % 3], md5(g::text) || '00000000'
    FROM generate_series(0, ${rows - 1}) AS g`;
  await sql`VACUUM ANALYZE workspace_plugins`;
}
