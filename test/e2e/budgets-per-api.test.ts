import { randomUUID } from "node:crypto";
import { emptyProductTables } from "@drift/db";
import { beforeAll, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { packets } from "../support/review";
import { insertPlugins, type PluginSeed } from "../support/seed";

/**
 * GitHub keeps GraphQL points and REST ("core") requests as two budgets. The sweep's summary (summed from the
 * workers' per-message metrics) must say what the host served and charged on each, whatever the number of
 * messages running at once, on a first sweep that also fetches review packets (GraphQL packet queries and REST
 * comparisons); Gitea's requests are another host's.
 */
const env = useSweepEnvironment({ clean: false });
const plugins: PluginSeed[] = [];

beforeAll(() => {
  const w = env.sim.world;
  for (let r = 0; r < 12; r++) {
    const repo = `bud/repo${r}`;
    w.createRepo(repo);
    const from = w.tag(repo, "v1.0.0", { annotated: true }).commit;
    w.setBranch(repo, "dev");
    w.commit(repo, "main", "fix");
    w.tag(repo, "v1.1.0");
    w.release(repo, "v1.1.0", { name: `release ${r}` });
    for (const ref of ["tag:latest", "branch:main", "branch:dev"])
      plugins.push({ source_raw: `github://${repo}`, tracked_ref: ref, installed_sha: from });
  }
  const tea = "bud/tea";
  w.createRepo(tea);
  const teaFrom = w.tag(tea, "v1.0.0").commit;
  w.commit(tea, "main");
  w.tag(tea, "v1.1.0");
  plugins.push({
    source_raw: `gitea://${env.sim.host}/${tea}`,
    tracked_ref: "tag:latest",
    installed_sha: teaFrom,
  });
});

/** A fresh start: every table the product writes emptied, the same rows seeded, fresh budgets. */
async function freshStart(budgets: { graphql?: number; rest?: number } = {}) {
  await emptyProductTables(env.db.sql);
  await insertPlugins(
    env.db.sql,
    plugins.map((p) => ({ ...p, workspace_id: randomUUID() })),
  );
  env.sim.budgets.graphql.set({ limit: 5000, remaining: budgets.graphql ?? 5000 });
  env.sim.budgets.core.set({ limit: 5000, remaining: budgets.rest ?? 5000 });
  env.sim.resetCounters();
}

describe(`rate budgets per API (${dbLabel})`, () => {
  for (const concurrency of [1, 2, 4]) {
    it(`the summary's GraphQL points and REST requests equal what the host served and charged (concurrency ${concurrency})`, async () => {
      await freshStart();
      const s = await sweep(env.db.sql, env.sim, {
        dispatch: { reposPerMessage: 1 },
        queue: { concurrency, batchSize: 1 },
      });
      const served = env.sim.counters;
      expect(s).toMatchObject({ status: "completed", drift: { new: 25 } });
      expect(s.messages.sent).toBeGreaterThanOrEqual(12);
      // Packets were fetched on this first sweep: GraphQL packet queries and REST comparisons.
      expect(served.rest).toBeGreaterThanOrEqual(12);
      expect((await packets(env.db.sql)).every((p) => p.packet_status === "complete")).toBe(true);

      expect(s.github.graphql).toEqual({
        requests: served.graphql,
        points: served.points,
        remaining: env.sim.budgets.graphql.remaining,
      });
      expect(s.github.rest).toEqual({ requests: served.rest, remaining: env.sim.budgets.core.remaining });
      // Every REST request of a first sweep is charged (no 304s): what the core budget lost.
      expect(served.notModified).toBe(0);
      expect(5000 - env.sim.budgets.core.remaining).toBe(served.rest);
      expect(5000 - env.sim.budgets.graphql.remaining).toBe(served.points);
      // Points are points: REST requests are not added to them.
      expect(s.github.pointsUsed).toBe(served.points);
      expect(s.github.requests).toBe(served.graphql + served.rest);
      expect(s.gitea.requests).toBe(served.gitea);
      expect(served.gitea).toBeGreaterThan(0);
    });
  }

  it("a REST budget at its reserve defers comparisons only; GraphQL resolution goes on", async () => {
    // The reserve is 200: the first comparison learns the REST budget is spent, the rest wait for the next sweep.
    await freshStart({ rest: 200 });
    const s = await sweep(env.db.sql, env.sim, {
      dispatch: { reposPerMessage: 1 },
      queue: { concurrency: 1, batchSize: 1 },
    });
    expect(s).toMatchObject({ status: "completed", targets: { deferred: 0 }, drift: { new: 25 } });
    expect(s.github.rest.remaining).toBe(env.sim.budgets.core.remaining);
    // One message at a time, one repository each: the first message's REST requests (its comparison, and its
    // release's immutability check, which may leave together) tell the budget, and the other eleven
    // repositories' are left for the next sweep.
    const rest = Object.entries(env.sim.counters.byPath).filter(([path]) => path.startsWith("GET /repos/"));
    expect(new Set(rest.map(([path]) => path.split("/").slice(2, 4).join("/"))).size).toBe(1);
    expect(s.github.rest.requests).toBe(rest.reduce((n, [, count]) => n + count, 0));
    expect(s.github.rest.requests).toBeLessThanOrEqual(2);
    const compared = (await packets(env.db.sql)).filter((p) => p.compare_status === "complete");
    const repos = new Set(compared.map((p) => p.target_key.replace(/@.*$/, "").replace(/#.*$/, "")));
    expect(compared.some((p) => p.target_key.startsWith("gitea"))).toBe(true);
    expect(repos.size).toBe(2); // the Gitea host's (its own budget) and one GitHub repository's
    expect(s.github.graphql.remaining).toBe(env.sim.budgets.graphql.remaining);
    expect(s.github.graphql.remaining).toBeGreaterThan(4900);
  });

  it("a GraphQL budget at its reserve defers resolution, whatever the REST budget has left", async () => {
    await freshStart({ graphql: 200 });
    const s = await sweep(env.db.sql, env.sim, {
      dispatch: { reposPerMessage: 1 },
      queue: { concurrency: 1, batchSize: 1 },
    });
    expect(s.targets.deferred).toBeGreaterThan(0);
    expect(s.github.graphql.remaining).toBe(env.sim.budgets.graphql.remaining);
    expect(s.github.graphql.remaining).toBeLessThanOrEqual(200);
    expect(env.sim.budgets.core.remaining).toBeGreaterThan(4900);
  });
});
