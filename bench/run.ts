/**
 * `npm run bench`: the numbers the product is sold on, measured in one run on this machine.
 *
 *   1. API economy and speed: one sweep over N plugin rows (1,000 distinct refs on 400 repositories) against the
 *      simulated GitHub with per-request latency, versus the original design (one lookup per row, one after
 *      another). Medians of several runs; requests counted by the simulator.
 *   2. Scale and memory: a full sweep over a large workspace_plugins table (1,000,000 rows on PostgreSQL,
 *      fewer on PGlite), with peak heap and RSS sampled during the run.
 *
 * Options (env): DATABASE_URL (else embedded PGlite), BENCH_ROWS (scale rows), BENCH_RUNS (repeats, default 3),
 * BENCH_LATENCY_MS (simulated network latency per request, default 20).
 */

import { type Log, makeTarget, parseSource, parseTrackedRef } from "@drift/core";
import type { Sql } from "@drift/db";
import { createHostResolver } from "@drift/github";
import { type GitHubSim, startGitHubSim } from "@drift/github-sim";
import { runLocalSweep } from "@drift/local";
import { createTestDb } from "../test/support/db";

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };
const TOKEN = "bench-token";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 20);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/** 400 repositories; refs per repo alternate branches and tags so that 1,000 distinct targets exist. */
function buildWorld(sim: GitHubSim, repos: number) {
  const installed: string[] = [];
  for (let r = 0; r < repos; r++) {
    const name = `bench/repo${r}`;
    sim.world.createRepo(name);
    sim.world.tag(name, "v1.0.0", { annotated: true });
    for (let b = 0; b < 2; b++) sim.world.setBranch(name, `b${b}`);
    installed.push(sim.world.revParse(sim.world.repo(name), "refs/heads/main") as string);
  }
  return installed;
}

/** The i-th of 1,000 distinct targets over 400 repositories. */
function targetOf(i: number): { source: string; ref: string; repo: number } {
  const repo = i % 400;
  const kind = Math.floor(i / 400); // 0, 1, 2 (the last only for i < 200)
  const ref = ["branch:main", "tag:v1.0.0", "branch:b0"][kind] as string;
  return { source: `github://bench/repo${repo}`, ref, repo };
}

async function seed(sql: Sql, rows: number, installed: string[], targets = 1000) {
  await sql`TRUNCATE workspace_plugins, plugin_update_queue, drift_plugin_targets, drift_targets, drift_row_problems,
    drift_sweeps, drift_sweep_messages`;
  for (let start = 0; start < rows; start += 10_000) {
    const n = Math.min(10_000, rows - start);
    const idx = Array.from({ length: n }, (_, k) => start + k);
    const t = idx.map((i) => targetOf(i % targets));
    await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
      SELECT gen_random_uuid(), p, s, r, i FROM unnest(${idx.map((i) => `p${i}`)}::text[], ${t.map((x) => x.source)}::text[],
        ${t.map((x) => x.ref)}::text[], ${t.map((x) => installed[x.repo] as string)}::text[]) AS u(p, s, r, i)`;
  }
}

async function economy(sql: Sql, kind: string) {
  console.log(
    `\n## 1. API economy: 1,000 distinct refs on 400 repositories, ${LATENCY} ms simulated latency (${kind})`,
  );
  const sim = await startGitHubSim({ token: TOKEN, latencyMs: LATENCY });
  try {
    const installed = buildWorld(sim, 400);
    for (let r = 0; r < 400; r += 3) sim.world.commit(`bench/repo${r}`, "main"); // some drift
    const resolver = () =>
      createHostResolver({ githubApiUrl: sim.url, auth: { token: TOKEN }, logger: quiet });

    for (const rows of [1000, 5000]) {
      const times: number[] = [];
      let requests = 0;
      let drift = 0;
      for (let run = 0; run < RUNS; run++) {
        await seed(sql, rows, installed);
        sim.resetCounters();
        const t0 = performance.now();
        const s = await runLocalSweep({ sql, resolver: resolver(), log: quiet });
        times.push(performance.now() - t0);
        requests = sim.counters.graphql + sim.counters.rest;
        drift = s.drift.new;
        if (s.status !== "completed") throw new Error(`sweep ${s.status}`);
      }
      console.log(
        `  drift sweep, ${rows} rows: median ${fmt(median(times))} over ${RUNS} runs; ${requests} GitHub requests` +
          ` (max ${sim.counters.maxRepositoriesPerQuery} repositories in one query); ${drift} drifts found`,
      );
      if (rows === 1000) (economy as { ours?: number; oursReq?: number }).ours = median(times);
      if (rows === 1000) (economy as { ours?: number; oursReq?: number }).oursReq = requests;
    }

    // The original design: every row looked up on its own, one after another (REST, as `git fetch` per row).
    const naive = createHostResolver({
      githubApiUrl: sim.url,
      auth: { token: TOKEN },
      useGraphql: false,
      logger: quiet,
    });
    const times: number[] = [];
    for (let run = 0; run < Math.min(RUNS, 2); run++) {
      sim.resetCounters();
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) {
        const t = targetOf(i);
        const src = parseSource(t.source);
        const ref = parseTrackedRef(t.ref);
        if (src.status !== "ok" || ref.status !== "ok") throw new Error("bad bench target");
        await naive.resolve([{ target: makeTarget(src.value, ref.value) }]);
      }
      times.push(performance.now() - t0);
    }
    const base = median(times);
    const e = economy as { ours?: number; oursReq?: number };
    console.log(
      `  original design (one lookup per row, sequential), 1000 rows: median ${fmt(base)}; ${sim.counters.rest} requests`,
    );
    console.log(
      `  => ${((e.ours ?? 1) > 0 ? base / (e.ours ?? 1) : 0).toFixed(1)}x faster, ${(sim.counters.rest / (e.oursReq ?? 1)).toFixed(0)}x fewer requests`,
    );
  } finally {
    await sim.close();
  }
}

async function scale(sql: Sql, kind: string) {
  const rows = Number(process.env.BENCH_ROWS ?? (kind === "PostgreSQL" ? 1_000_000 : 100_000));
  // Two sizes, ten times apart: bounded memory means the peak does not grow with the table.
  for (const n of [Math.round(rows / 10), rows]) await scaleOnce(sql, kind, n);
}

async function scaleOnce(sql: Sql, kind: string, rows: number) {
  console.log(
    `\n## 2. Scale and memory: ${rows.toLocaleString("en")} rows, 10,000 distinct refs on 4,000 repositories (${kind})`,
  );
  const sim = await startGitHubSim({ token: TOKEN });
  try {
    const installed: string[] = [];
    for (let r = 0; r < 4000; r++) {
      const name = `big/repo${r}`;
      sim.world.createRepo(name);
      sim.world.tag(name, "v1.0.0");
      installed.push(sim.world.revParse(sim.world.repo(name), "refs/heads/main") as string);
    }
    const t0 = performance.now();
    await sql`TRUNCATE workspace_plugins, plugin_update_queue, drift_plugin_targets, drift_targets, drift_row_problems,
      drift_sweeps, drift_sweep_messages`;
    await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
      SELECT gen_random_uuid(), 'p' || g, 'github://big/repo' || (g % 4000),
        CASE (g / 4000) % 3 WHEN 0 THEN 'branch:main' WHEN 1 THEN 'tag:v1.0.0' ELSE 'ref:main' END,
        ${installed[0] as string}
      FROM generate_series(0, ${rows - 1}) AS g`;
    // Give every row its repo's real main head, then move 1 in 10 repositories upstream.
    await sql`UPDATE workspace_plugins w SET installed_sha = i.sha
      FROM unnest(${installed.map((_, i) => `github://big/repo${i}`)}::text[], ${installed}::text[]) AS i(src, sha)
      WHERE w.source_raw = i.src`;
    await sql`ANALYZE workspace_plugins`;
    console.log(`  seeded in ${fmt(performance.now() - t0)}`);
    for (let r = 0; r < 4000; r += 10) sim.world.commit(`big/repo${r}`, "main");

    let peakHeap = 0;
    let peakRss = 0;
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 20);
    const before = process.memoryUsage();
    const t1 = performance.now();
    const resolver = createHostResolver({ githubApiUrl: sim.url, auth: { token: TOKEN }, logger: quiet });
    const s = await runLocalSweep({ sql, resolver, log: quiet, queue: { concurrency: 2 } });
    const ms = performance.now() - t1;
    clearInterval(sample);
    console.log(
      `  full sweep: ${fmt(ms)} (dispatcher ${fmt(s.dispatchMs)}; ${Math.round(rows / (ms / 1000)).toLocaleString("en")} rows/s); ${s.targets.dispatched} targets in ${s.messages.sent} messages;` +
        ` ${sim.counters.graphql} GraphQL requests; ${s.drift.new.toLocaleString("en")} drifts queued`,
    );
    console.log(
      `  memory: heap ${(before.heapUsed / 2 ** 20).toFixed(0)} MiB before, peak ${(peakHeap / 2 ** 20).toFixed(0)} MiB; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
    );
    const t2 = performance.now();
    const again = await runLocalSweep({ sql, resolver, log: quiet });
    console.log(
      `  second sweep (no change upstream): ${fmt(performance.now() - t2)} (dispatcher ${fmt(again.dispatchMs)}); ${again.drift.new} new, ${again.drift.refreshed} refreshed`,
    );
  } finally {
    await sim.close();
  }
}

// The same isolated database the tests use: a fresh schema on DATABASE_URL, or a fresh in-memory PGlite.
const db = await createTestDb();
try {
  console.log(`# plugin drift sweeper benchmark — ${new Date().toISOString()} — node ${process.version}`);
  if (!process.argv.includes("--scale-only"))
    await economy(db.sql, db.kind === "postgres" ? "PostgreSQL" : "PGlite");
  if (!process.argv.includes("--economy-only"))
    await scale(db.sql, db.kind === "postgres" ? "PostgreSQL" : "PGlite");
} finally {
  await db.close();
}
