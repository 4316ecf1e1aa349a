/**
 * W1: 10,000 rows following 1,000 targets on 400 repositories, 10% drifted, 100 ms simulated latency per GitHub
 * request. The whole `drift sweep --json` process (built bin, median of several first sweeps, each on a fresh
 * start: every product table emptied, review packets and ledger included, then seeded; so every run fetches the
 * packets of its drift), against the original algorithm (one lookup per row in turn, timed on a sample and
 * scaled) and the network floor (the round trips the sweep cannot avoid, × latency).
 */
import { makeTarget, parseSource, parseTrackedRef, type Target } from "@drift/core";
import type { Sql } from "@drift/db";
import {
  createHostResolver,
  DEFAULT_MAX_CONCURRENCY_PER_HOST,
  DEFAULT_PACKET_CONCURRENCY,
} from "@drift/github";
import { startGitHubSim } from "@drift/github-sim";
import type { SweepSummary } from "@drift/local";
import { median, quiet, round, TOKEN, timeDrift, urlWithSchema } from "./common";
import { buildW1World, freshStart, seedW1, w1Target } from "./world";

export interface W1Requests {
  readonly graphql: number;
  readonly packetQueries: number;
  readonly rest: number;
  readonly points: number;
}

export interface W1Result {
  readonly rows: number;
  readonly targets: number;
  readonly repositories: number;
  readonly latencyMs: number;
  readonly runs: number;
  /** Whole-process `drift sweep --json`, each a first sweep on a fresh start (packets fetched in every run). */
  readonly processMs: { readonly median: number; readonly all: readonly number[] };
  /** What each run asked of the host: GraphQL queries (of which review packets) and REST comparisons. */
  readonly requests: readonly W1Requests[];
  /** Time inside the sweep (the summary's durationMs), median. */
  readonly sweepMs: number;
  readonly graphqlRequests: number;
  readonly maxRepositoriesPerQuery: number;
  readonly driftFound: number;
  readonly original: {
    readonly sampleRows: number;
    readonly sampleMs: number;
    readonly scaledMs: number;
    readonly requests: number;
  };
  /**
   * Round trips no sweep can avoid: the resolution queries (ceil(queries / in flight)), then the packets (their
   * GraphQL queries and REST comparisons go out together: the larger of the two), × latency.
   */
  readonly floor: {
    readonly queries: number;
    readonly inFlight: number;
    readonly packetRoundTrips: number;
    readonly ms: number;
  };
  readonly requestRatio: number;
  readonly timeRatio: number;
  readonly vsFloor: number;
}

/** The i-th W1 target as the resolver takes it. */
function w1TargetOf(i: number): Target {
  const t = w1Target(i);
  const src = parseSource(t.source);
  const ref = parseTrackedRef(t.ref);
  if (src.status !== "ok" || ref.status !== "ok") throw new Error("bad bench target");
  return makeTarget(src.value, ref.value);
}

export async function benchW1(
  db: { sql: Sql; url: string; schema: string | undefined },
  options: { runs: number; rows?: number; latencyMs?: number; sampleRows?: number },
): Promise<W1Result> {
  const rows = options.rows ?? 10_000;
  const latencyMs = options.latencyMs ?? 100;
  const sim = await startGitHubSim({ token: TOKEN, latencyMs });
  try {
    const installed = buildW1World(sim);
    const env = {
      DATABASE_URL: urlWithSchema(db.url, db.schema),
      GITHUB_API_URL: sim.url,
      GITHUB_TOKEN: TOKEN,
    };
    // Warm the simulator, as GitHub's servers are: it builds GitHub's schema on its first query, and its handlers
    // are compiled as they run. One sweep's worth of requests (every target resolved, every drift's packet and
    // comparison) through a resolver of this process, before the measured runs; the database is not touched.
    // Without it the first run also timed the simulator's start (1.46 s against 1.01 s, same machine).
    const warm = createHostResolver({ githubApiUrl: sim.url, auth: { token: TOKEN }, logger: quiet });
    await warm.resolve(Array.from({ length: 1000 }, (_, i) => ({ target: w1TargetOf(i) })));
    await warm.review?.(
      Array.from({ length: 100 }, (_, r) => ({
        target: w1TargetOf(r),
        latestSha: sim.world.revParse(sim.world.repo(`bench/repo${r}`), "refs/heads/main") as string,
        releaseTag: null,
        commit: true,
        currents: [installed[r] as string],
      })),
    );
    const times: number[] = [];
    const inside: number[] = [];
    const requests: W1Requests[] = [];
    let summary: SweepSummary | undefined;
    for (let run = 0; run < options.runs; run++) {
      await freshStart(db.sql, () => seedW1(db.sql, rows, installed));
      sim.resetCounters();
      const r = await timeDrift(["sweep", "--json"], env);
      summary = JSON.parse(r.stdout) as SweepSummary;
      if (summary.status !== "completed") throw new Error(`W1 sweep ${summary.status}`);
      times.push(r.ms);
      inside.push(summary.durationMs);
      const packetQueries = sim.requests.filter((q) => q.query?.includes("query ReviewPackets")).length;
      requests.push({
        graphql: sim.counters.graphql,
        packetQueries,
        rest: sim.counters.rest,
        points: sim.counters.points,
      });
    }
    const maxRepos = sim.counters.maxRepositoriesPerQuery;

    // The original algorithm: every row looked up on its own, one after another (REST, as `git fetch` per row).
    const sampleRows = options.sampleRows ?? 30;
    const naive = createHostResolver({
      githubApiUrl: sim.url,
      auth: { token: TOKEN },
      useGraphql: false,
      logger: quiet,
    });
    sim.resetCounters();
    const t0 = performance.now();
    for (let i = 0; i < sampleRows; i++) await naive.resolve([{ target: w1TargetOf(i % 1000) }]);
    const sampleMs = performance.now() - t0;
    const perRowRequests = sim.counters.rest / sampleRows;
    const original = {
      sampleRows,
      sampleMs: round(sampleMs),
      scaledMs: round((sampleMs * rows) / sampleRows),
      requests: Math.round(perRowRequests * rows),
    };
    const inFlight = DEFAULT_MAX_CONCURRENCY_PER_HOST;
    const last = requests.at(-1) ?? { graphql: 0, packetQueries: 0, rest: 0, points: 0 };
    const queries = last.graphql - last.packetQueries;
    const packetRoundTrips = Math.max(
      Math.ceil(last.packetQueries / inFlight),
      Math.ceil(last.rest / DEFAULT_PACKET_CONCURRENCY),
    );
    const floorMs = (Math.ceil(queries / inFlight) + packetRoundTrips) * latencyMs;
    const ours = median(times);
    return {
      rows,
      targets: 1000,
      repositories: 400,
      latencyMs,
      runs: options.runs,
      processMs: { median: round(ours), all: times.map((t) => round(t)) },
      requests,
      sweepMs: round(median(inside)),
      graphqlRequests: queries,
      maxRepositoriesPerQuery: maxRepos,
      driftFound: summary?.drift.new ?? 0,
      original,
      floor: { queries, inFlight, packetRoundTrips, ms: floorMs },
      requestRatio: round(original.requests / Math.max(1, queries)),
      timeRatio: round(original.scaledMs / ours),
      vsFloor: round(ours / floorMs, 2),
    };
  } finally {
    await sim.close();
  }
}
