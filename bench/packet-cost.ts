import type { Log, Resolver } from "@drift/core";
import { emptyProductTables, type Sql } from "@drift/db";
import { createHostResolver } from "@drift/github";
import { startGitHubSim } from "@drift/github-sim";
import { runLocalSweep } from "@drift/local";

/**
 * Printed by `npm run bench`: what review packets add to a sweep. 1,000 drifted targets on 400 repositories,
 * swept once without packets and once with them (fresh tables each time): the difference in requests and points.
 */
/** Requests and points of one sweep. */
interface SweepCost {
  readonly graphql: number;
  readonly rest: number;
  readonly points: number;
}

/** What review packets add to the sweep that finds the drift. */
export interface PacketCost {
  readonly driftedTargets: number;
  readonly repositories: number;
  readonly without: SweepCost;
  readonly withPackets: SweepCost;
  readonly extra: SweepCost;
}

export async function packetCost(sql: Sql, kind: string, quiet: Log): Promise<PacketCost> {
  console.log(`\n## Review packet cost: 1,000 drifted targets on 400 repositories (${kind})`);
  const token = "bench-token";
  const sim = await startGitHubSim({ token });
  try {
    const installed: string[] = [];
    for (let r = 0; r < 400; r++) {
      const name = `pkt/repo${r}`;
      sim.world.createRepo(name);
      sim.world.tag(name, "v1.0.0", { annotated: true });
      sim.world.setBranch(name, "b0");
      installed.push(sim.world.revParse(sim.world.repo(name), "refs/heads/main") as string);
      // Every target moves: main gets a commit, the tag is moved onto it, b0 follows (drift on all 1,000).
      sim.world.commit(name, "main", "new");
      sim.world.moveTag(name, "v1.0.0", "main");
      sim.world.setBranch(name, "b0", "main");
    }
    const refs = ["branch:main", "tag:v1.0.0", "branch:b0"];
    const run = async (withPackets: boolean): Promise<SweepCost> => {
      await emptyProductTables(sql);
      const idx = Array.from({ length: 1000 }, (_, i) => i);
      await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
        SELECT gen_random_uuid(), p, s, r, i FROM unnest(${idx.map((i) => `p${i}`)}::text[],
          ${idx.map((i) => `github://pkt/repo${i % 400}`)}::text[], ${idx.map((i) => refs[Math.floor(i / 400)] as string)}::text[],
          ${idx.map((i) => installed[i % 400] as string)}::text[]) AS u(p, s, r, i)`;
      const full = createHostResolver({ githubApiUrl: sim.url, auth: { token }, logger: quiet });
      // Without packets: the same resolver minus its `review`.
      const resolver: Resolver = withPackets
        ? full
        : { resolve: (r, s) => full.resolve(r, s), stats: () => full.stats() };
      sim.resetCounters();
      const s = await runLocalSweep({ sql, resolver, log: quiet });
      if (s.status !== "completed" || s.drift.new !== 1000)
        throw new Error(`packet bench: ${s.status} ${s.drift.new}`);
      // The resolver's own counter: per-message metric deltas overlap when messages run concurrently.
      // GraphQL points (what the GraphQL budget lost); REST comparisons and tag lookups are the other budget's.
      return { graphql: sim.counters.graphql, rest: sim.counters.rest, points: full.stats().pointsUsed };
    };
    const without = await run(false);
    const withPackets = await run(true);
    const extra = {
      graphql: withPackets.graphql - without.graphql,
      rest: withPackets.rest - without.rest,
      points: withPackets.points - without.points,
    };
    console.log(
      `  without packets: ${without.graphql} GraphQL + ${without.rest} REST requests, ${without.points} points`,
    );
    console.log(
      `  with packets:    ${withPackets.graphql} GraphQL + ${withPackets.rest} REST requests, ${withPackets.points} points`,
    );
    console.log(
      `  => per 1,000 drifted targets the packets add ${extra.graphql} GraphQL queries, ${extra.rest} REST requests` +
        ` (comparisons, and annotated tags GraphQL cannot vouch for; REST budget) and ${extra.points} GraphQL points; fetched once, not per sweep`,
    );
    return { driftedTargets: 1000, repositories: 400, without, withPackets, extra };
  } finally {
    await sim.close();
  }
}
