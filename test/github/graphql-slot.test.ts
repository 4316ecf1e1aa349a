import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFetch } from "../../packages/github/src/shared/node-fetch";
import { resolveAll, resolverFor, sha, startSim, target } from "../support/github";

/**
 * GraphQL queries leave through the host's slot and our own pace (not the throttling plugin's queues) unless the
 * plugin may wait on a rate limit for us: the pace still holds GitHub's points a minute, and the plugin still
 * waits when asked to.
 */

let sim: GitHubSim;
const REPOS = 6;

beforeAll(async () => {
  sim = await startSim();
  for (let i = 0; i < REPOS; i++) {
    sim.world.createRepo(`slot/r${i}`);
    sim.world.tag(`slot/r${i}`, "v1");
  }
});
afterAll(async () => {
  await sim.close();
});

const targets = () => Array.from({ length: REPOS }, (_, i) => target(`github://slot/r${i}`, "tag:v1"));

/** A fetch that notes when each GraphQL request leaves. */
function timedGraphql(): { fetch: typeof fetch; starts: number[] } {
  const starts: number[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    if (String(input).endsWith("/graphql")) starts.push(performance.now());
    return nodeFetch(input, init);
  };
  return { fetch, starts };
}

describe("GraphQL slot", () => {
  it("lets a burst of 2 × maxConcurrencyPerHost queries leave at once, then holds the next for the window", async () => {
    const { fetch, starts } = timedGraphql();
    // 2 in flight → a burst of 4 starts per 4 × 100 ms; one repository per query → 6 queries.
    const resolver = resolverFor(sim, {
      fetch,
      maxConcurrencyPerHost: 2,
      repositoriesPerQuery: 1,
      graphqlMinIntervalMs: 100,
    });
    const results = await resolveAll(resolver, targets());
    expect([...results.values()].every((r) => sha(r).length === 40)).toBe(true);
    expect(starts).toHaveLength(REPOS);
    const first = starts[0] as number;
    // The 4th left without waiting for a window; the 5th only once the first start was 400 ms old.
    expect((starts[3] as number) - first).toBeLessThan(380);
    expect((starts[4] as number) - first).toBeGreaterThanOrEqual(380); // (the pace counts whole milliseconds)
  });

  it("still lets the throttling plugin wait on a short rate limit when maxRateLimitWaitSeconds allows it", async () => {
    sim.resetCounters();
    sim.faults.add({ kind: "secondaryRateLimit", scope: "graphql", retryAfterSeconds: 1, times: 1 });
    const resolver = resolverFor(sim, { maxRateLimitWaitSeconds: 2 });
    const results = await resolveAll(resolver, targets());
    expect([...results.values()].every((r) => sha(r).length === 40)).toBe(true);
    expect(sim.counters.graphql).toBe(2); // the limited query, then its retry after the wait
  });

  it("without that allowance reports the limit at once instead of sleeping on it", async () => {
    sim.resetCounters();
    sim.faults.clear();
    sim.faults.add({ kind: "secondaryRateLimit", scope: "graphql", retryAfterSeconds: 60, times: 1 });
    const started = performance.now();
    const results = await resolveAll(resolverFor(sim), targets());
    expect(performance.now() - started).toBeLessThan(5_000);
    expect([...results.values()].map((r) => (r.status === "failed" ? r.kind : r.status))).toContain(
      "rate_limited",
    );
    expect(sim.counters.graphql).toBe(1);
  });
});
