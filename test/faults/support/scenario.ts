import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sql } from "@drift/db";
import type { GitHubSim } from "@drift/github-sim";
import { type LocalSweepOptions, runLocalSweep, type SweepSummary } from "@drift/local";
import { afterAll, expect, inject } from "vitest";
import { insertPlugins } from "../../support/seed";

/** One pending update a scenario must end with. */
export interface ExpectedDrift {
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly current_sha: string;
  readonly latest_sha: string;
}

/** What a fault test file tried and what it found; summed over the suite by ./summary.ts. */
export interface FaultTally {
  scenarios: number;
  faults: number;
  hostileInputs: number;
  driftsExpected: number;
  lost: number;
  invented: number;
  duplicated: number;
  answered5xx: number;
}

const tally: FaultTally = {
  scenarios: 0,
  faults: 0,
  hostileInputs: 0,
  driftsExpected: 0,
  lost: 0,
  invented: 0,
  duplicated: 0,
  answered5xx: 0,
};

afterAll(() => {
  const dir = inject("faultTallyDir");
  if (!dir || tally.scenarios === 0) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${process.pid}-${Date.now()}.json`), JSON.stringify(tally));
});

/** Counts a finished scenario: the faults it injected and the drifts it expected. */
export function recordScenario(counts: { faults?: number; hostileInputs?: number; expected?: number }): void {
  tally.scenarios += 1;
  tally.faults += counts.faults ?? 0;
  tally.hostileInputs += counts.hostileInputs ?? 0;
  tally.driftsExpected += counts.expected ?? 0;
}

/** Counts HTTP answers with a 5xx status (hostile-input scenarios assert there are none). */
export function record5xx(n: number): void {
  tally.answered5xx += n;
}

/** A sweep that ended in an exception is a clean failure (as `drift sweep --json` reports it), not a crash. */
export type ScenarioSweep = SweepSummary | { readonly status: "failed"; readonly error: string };

export async function runSweep(sql: Sql, options: Omit<LocalSweepOptions, "sql">): Promise<ScenarioSweep> {
  try {
    return await runLocalSweep({ sql, ...options });
  } catch (error) {
    return { status: "failed", error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * `n` plugins, each following `branch:main` of its own repository, installed at the old head; every branch then
 * moves. Returns the pending updates a correct sweep must end with.
 */
export async function seedMovedBranches(sql: Sql, sim: GitHubSim, prefix: string, n: number) {
  const w = sim.world;
  const rows = Array.from({ length: n }, (_, i) => {
    const repo = `${prefix}/r${i}`;
    w.createRepo(repo);
    const old = w.revParse(w.repo(repo), "refs/heads/main") as string;
    return { repo, old };
  });
  await insertPlugins(
    sql,
    rows.map((r, i) => ({
      plugin_name: `${prefix}-${i}`,
      source_raw: `github://${r.repo}`,
      tracked_ref: "branch:main",
      installed_sha: r.old,
    })),
  );
  const ids = await sql<{ workspace_id: string; plugin_name: string; installed_sha: string }[]>`
    SELECT workspace_id, plugin_name, installed_sha FROM workspace_plugins
    WHERE plugin_name LIKE ${`${prefix}-%`}`;
  const latest = new Map(rows.map((r, i) => [`${prefix}-${i}`, w.commit(r.repo, "main")]));
  const expected: ExpectedDrift[] = ids.map((r) => ({
    workspace_id: r.workspace_id,
    plugin_name: r.plugin_name,
    current_sha: r.installed_sha,
    latest_sha: latest.get(r.plugin_name) as string,
  }));
  return { expected };
}

const keyOf = (d: ExpectedDrift) => `${d.workspace_id}/${d.plugin_name}/${d.current_sha}/${d.latest_sha}`;

/**
 * Asserts the queue holds exactly `expected` as pending rows (nothing lost, nothing invented, no drift pending
 * twice or pending despite its dismissal) and that each expected plugin's target resolved to its latest commit
 * with no failure left.
 */
export async function expectExactQueue(sql: Sql, expected: readonly ExpectedDrift[]): Promise<void> {
  const rows = await sql<(ExpectedDrift & { status: string })[]>`
    SELECT workspace_id, plugin_name, current_sha, latest_sha, status FROM plugin_update_queue`;
  const pending = new Set(rows.filter((r) => r.status === "pending").map(keyOf));
  const want = new Set(expected.map(keyOf));
  const lost = [...want].filter((k) => !pending.has(k));
  const invented = [...pending].filter((k) => !want.has(k));
  // The same drift twice: pending twice, or pending while a dismissal of it holds.
  const seen = new Map<string, number>();
  for (const r of rows)
    if (r.status === "pending" || r.status === "dismissed") seen.set(keyOf(r), (seen.get(keyOf(r)) ?? 0) + 1);
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  tally.lost += lost.length;
  tally.invented += invented.length;
  tally.duplicated += duplicated.length;
  expect({ lost, invented, duplicated }).toEqual({ lost: [], invented: [], duplicated: [] });

  const targets = await sql<{ plugin_name: string; last_sha: string | null; failing: boolean }[]>`
    SELECT p.plugin_name, t.last_sha, (t.last_error_kind IS NOT NULL OR t.consecutive_failures > 0) AS failing
    FROM workspace_plugins p JOIN drift_plugin_targets m ON m.plugin_id = p.id
    JOIN drift_targets t ON t.key = m.target_key
    WHERE p.plugin_name = ANY(${expected.map((e) => e.plugin_name)}::text[])`;
  const latest = new Map(expected.map((e) => [e.plugin_name, e.latest_sha]));
  expect(
    targets.filter((t) => t.failing || t.last_sha !== latest.get(t.plugin_name)).map((t) => t.plugin_name),
  ).toEqual([]);
  expect(targets).toHaveLength(expected.length);
}
