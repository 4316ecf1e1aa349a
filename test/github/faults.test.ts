import type { Resolution, Target } from "@drift/core";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kind, resolveAll, resolverFor, sha, startSim, target } from "../support/github";

let sim: GitHubSim;
/** repo → commit of its v1 tag */
const v1 = new Map<string, string>();

beforeAll(async () => {
  sim = await startSim();
  for (let i = 0; i < 120; i++) {
    sim.world.createRepo(`fault/r${i}`);
    v1.set(`fault/r${i}`, sim.world.tag(`fault/r${i}`, "v1", { annotated: i % 2 === 1 }).commit);
  }
  sim.world.createRepo("gitea/side");
  v1.set("gitea/side", sim.world.tag("gitea/side", "v1").commit);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.clear();
  sim.resetCounters();
  sim.budgets.graphql.set({ limit: 5000, remaining: 5000 });
});

const githubTargets = (n: number): Target[] =>
  Array.from({ length: n }, (_, i) => target(`github://fault/r${i}`, "tag:v1"));
const giteaSide = (): Target => target(`gitea://${sim.host}/gitea/side`, "tag:v1");

function tally(results: Map<string, Resolution>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results.values()) out[kind(r)] = (out[kind(r)] ?? 0) + 1;
  return out;
}

function expectAllResolved(results: Map<string, Resolution>, targets: Target[]): void {
  for (const t of targets) expect(sha(results.get(t.key)), t.key).toBe(v1.get(`${t.owner}/${t.repo}`));
}

/** Repositories per GraphQL query, in the order the simulator received them. */
const querySizes = (): number[] =>
  sim.requests
    .filter((r) => r.scope === "graphql")
    .map((r) => (r.query ?? "").match(/: repository\(/g)?.length ?? 0);

describe("server errors and hangs", () => {
  it("a short burst of plain 5xx (503) is absorbed by retries at the same size", async () => {
    // A 502/504 is a heavy failure: split, not repeated (see "GitHub's timeout answer and 502s…" below).
    sim.faults.add({ kind: "status", status: 503, times: 2, scope: "graphql" });
    const targets = githubTargets(10);
    expectAllResolved(await resolveAll(resolverFor(sim), targets), targets);
    expect(sim.faults.fired.status).toBe(2);
    expect(sim.counters.graphql).toBe(3);
  });

  it("persistent 5xx makes the GitHub targets transient without failing another host's targets", async () => {
    sim.faults.add({ kind: "status", status: 500, scope: "graphql" });
    const targets = [...githubTargets(5), giteaSide()];
    const results = await resolveAll(resolverFor(sim), targets);
    expect(tally(results)).toEqual({ transient: 5, resolved: 1 });
    const failed = results.get(targets[0]?.key as string);
    expect(failed?.status === "failed" && failed.message).toMatch(/500/);
    expect(sha(results.get(giteaSide().key))).toBe(v1.get("gitea/side"));
  });

  it("a hung request ends in transient after the timeout; a single hang is recovered by splitting the batch", async () => {
    sim.faults.add({ kind: "hang", scope: "graphql" });
    const targets = githubTargets(6);
    const started = Date.now();
    const hung = await resolveAll(resolverFor(sim, { requestTimeoutMs: 300 }), targets);
    console.log(
      `all-hanging host: ${Date.now() - started} ms with a 300 ms timeout, ${sim.counters.graphql} GraphQL attempts`,
    );
    expect(tally(hung)).toEqual({ transient: 6 });
    const one = hung.get(targets[0]?.key as string);
    expect(one?.status === "failed" && one.message).toMatch(/timed out after 300 ms/);

    sim.faults.clear();
    sim.faults.add({ kind: "hang", scope: "graphql", times: 1 });
    const resolver = resolverFor(sim, { requestTimeoutMs: 300 });
    expectAllResolved(await resolveAll(resolver, targets), targets);
    expect(resolver.repositoriesPerQuery).toBeLessThan(100);
  });

  it("GitHub's own timeout answer (200 'Something went wrong') is retried and succeeds", async () => {
    sim.faults.add({ kind: "queryTimeout", times: 1 });
    const targets = githubTargets(4);
    expectAllResolved(await resolveAll(resolverFor(sim), targets), targets);
    expect(sim.faults.fired.queryTimeout).toBe(1);
  });

  it("GitHub's timeout answer and 502s split the batch at once instead of repeating it at full size", async () => {
    const targets = githubTargets(8);
    const fired = sim.faults.fired.queryTimeout;
    sim.faults.add({ kind: "queryTimeout", times: 3 });
    expectAllResolved(await resolveAll(resolverFor(sim), targets), targets);
    console.log(`queryTimeout ×3 on 8 repositories: query sizes ${JSON.stringify(querySizes())}`);
    expect(sim.faults.fired.queryTimeout - fired).toBe(3);
    // Never repeated at full size: 8 once, then halves (sent one at a time until the budget is known).
    expect(querySizes()[0]).toBe(8);
    expect(querySizes()[1]).toBe(4);
    expect(querySizes().filter((n) => n === 8)).toHaveLength(1);

    sim.resetCounters();
    sim.faults.add({ kind: "status", status: 502, times: 1, scope: "graphql" });
    expectAllResolved(await resolveAll(resolverFor(sim), targets), targets);
    expect(querySizes()).toEqual([8, 4, 4]);
  });
});

describe("rate limits", () => {
  it("a 403 primary limit gives rate_limited with the reset time, stops sending, and spares other hosts", async () => {
    sim.faults.add({ kind: "primaryRateLimit", scope: "graphql", resetInSeconds: 1800 });
    const targets = [...githubTargets(120), giteaSide()];
    const resolver = resolverFor(sim, { repositoriesPerQuery: 30 });
    const results = await resolveAll(resolver, targets);
    expect(tally(results)).toEqual({ rate_limited: 120, resolved: 1 });
    const limited = results.get(targets[0]?.key as string);
    const retryAt = limited?.status === "failed" ? limited.retryAt : undefined;
    expect(retryAt).toBeInstanceOf(Date);
    expect(Math.abs((retryAt?.getTime() ?? 0) - (Date.now() + 1_800_000))).toBeLessThan(60_000);
    expect(sim.counters.graphql).toBe(1); // no further query once the host said stop

    // The stop holds until retryAt, across calls: nothing is sent.
    sim.faults.clear();
    const again = await resolveAll(resolver, githubTargets(3));
    expect(tally(again)).toEqual({ rate_limited: 3 });
    expect(sim.counters.graphql).toBe(1);
  });

  it("a 429 secondary limit gives rate_limited with retry-after, without sleeping", async () => {
    sim.faults.add({ kind: "secondaryRateLimit", scope: "graphql", retryAfterSeconds: 120 });
    const started = Date.now();
    const results = await resolveAll(resolverFor(sim), githubTargets(3));
    console.log(`secondary limit reported after ${Date.now() - started} ms`);
    expect(tally(results)).toEqual({ rate_limited: 3 });
    const r = [...results.values()][0];
    const retryAt = r?.status === "failed" ? r.retryAt : undefined;
    expect(Math.abs((retryAt?.getTime() ?? 0) - (Date.now() + 120_000))).toBeLessThan(30_000);
  });

  it("waits for a rate limit only when it lifts within maxRateLimitWaitSeconds", async () => {
    sim.faults.add({ kind: "secondaryRateLimit", scope: "graphql", retryAfterSeconds: 1, times: 1 });
    const targets = githubTargets(3);
    expectAllResolved(await resolveAll(resolverFor(sim, { maxRateLimitWaitSeconds: 2 }), targets), targets);
    expect(sim.counters.graphql).toBe(2);
  });

  it("an exhausted GraphQL budget (200 with RATE_LIMITED) gives rate_limited until the bucket resets", async () => {
    const resetAt = new Date(Date.now() + 900_000);
    sim.budgets.graphql.set({ remaining: 0, resetAt });
    const results = await resolveAll(resolverFor(sim), githubTargets(5));
    expect(tally(results)).toEqual({ rate_limited: 5 });
    const r = [...results.values()][0];
    const retryAt = r?.status === "failed" ? r.retryAt : undefined;
    expect(Math.abs((retryAt?.getTime() ?? 0) - resetAt.getTime())).toBeLessThan(2000);
  });

  it("a primary limit on the REST path stops the run the same way", async () => {
    sim.faults.add({ kind: "primaryRateLimit", scope: "rest", resetInSeconds: 600 });
    const results = await resolveAll(
      resolverFor(sim, { useGraphql: false, maxConcurrencyPerHost: 2 }),
      githubTargets(40),
    );
    expect(tally(results)).toEqual({ rate_limited: 40 });
    expect(sim.counters.rest).toBeLessThanOrEqual(2);
  });

  it("stops at the budget reserve and reports the remaining targets as deferred", async () => {
    sim.budgets.graphql.set({ remaining: 6 });
    const targets = githubTargets(120);
    const resolver = resolverFor(sim, { reserve: 3, repositoriesPerQuery: 10 });
    const results = await resolveAll(resolver, targets);
    const counts = tally(results);
    console.log(`budget 6, reserve 3: ${JSON.stringify(counts)} after ${sim.counters.graphql} queries`);
    expect((counts.resolved ?? 0) + (counts.deferred ?? 0)).toBe(120);
    expect(counts.resolved).toBeGreaterThan(0);
    expect(counts.deferred).toBeGreaterThan(0);
    expect(sim.budgets.graphql.remaining).toBeGreaterThanOrEqual(3);
    expect(resolver.stats().budgetRemaining?.graphql).toBe(sim.budgets.graphql.remaining);
    const deferred = [...results.values()].find((r) => r.status === "failed");
    expect(deferred?.status === "failed" && deferred.message).toMatch(/reserve/);
  });
});

describe("partial failures", () => {
  it("a GraphQL error on one repository fails only that repository's targets", async () => {
    sim.faults.add({
      kind: "graphqlError",
      repository: "fault/r3",
      type: "FORBIDDEN",
      message: "Resource protected by organization SAML enforcement.",
    });
    sim.world.deleteRepo("fault/r119");
    const targets = githubTargets(120);
    const results = await resolveAll(resolverFor(sim), targets);
    expect(kind(results.get(targets[3]?.key as string))).toBe("forbidden");
    expect(kind(results.get(targets[119]?.key as string))).toBe("not_found");
    expect(tally(results)).toEqual({ resolved: 118, forbidden: 1, not_found: 1 });
    sim.world.createRepo("fault/r119");
    v1.set("fault/r119", sim.world.tag("fault/r119", "v1").commit);
  });

  it("resource-limit errors shrink the query until it passes, then the size grows back", async () => {
    const limit = sim.faults.add({ kind: "resourceLimit", maxRepositories: 30 });
    const targets = githubTargets(120);
    const resolver = resolverFor(sim);
    expectAllResolved(await resolveAll(resolver, targets), targets);
    const firstErrors = sim.faults.fired.resourceLimit;
    console.log(
      `resource limit 30 repos: ${sim.counters.graphql} GraphQL requests (${firstErrors} refused), batch size now ${resolver.repositoriesPerQuery}`,
    );
    expect(firstErrors).toBeGreaterThan(0);

    // Learned: the next sweeps under the same limit are refused no more often, and still resolve everything.
    let previous = firstErrors;
    for (let i = 0; i < 3; i++) {
      const fired = sim.faults.fired.resourceLimit;
      expectAllResolved(await resolveAll(resolver, targets), targets);
      const refused = sim.faults.fired.resourceLimit - fired;
      console.log(`  next sweep: ${refused} refused, batch size now ${resolver.repositoriesPerQuery}`);
      expect(refused).toBeLessThanOrEqual(previous);
      previous = refused;
    }

    // Limit gone: the batch grows back past it.
    sim.faults.remove(limit);
    for (let i = 0; i < 12 && resolver.repositoriesPerQuery <= 30; i++) await resolveAll(resolver, targets);
    expect(resolver.repositoriesPerQuery).toBeGreaterThan(30);
  });

  it("a whole-query resource-limit rejection (data: null) shrinks the batch like a partial one", async () => {
    sim.faults.add({ kind: "resourceLimit", maxRepositories: 30, answer: "noData" });
    const targets = githubTargets(120);
    const resolver = resolverFor(sim);
    expectAllResolved(await resolveAll(resolver, targets), targets);
    const first = sim.faults.fired.resourceLimit;
    console.log(
      `data:null resource limit at 30: ${sim.counters.graphql} requests (${first} refused), batch size now ${resolver.repositoriesPerQuery}`,
    );
    expect(resolver.repositoriesPerQuery).toBeLessThanOrEqual(50);
    expectAllResolved(await resolveAll(resolver, targets), targets);
    expect(sim.faults.fired.resourceLimit - first).toBeLessThanOrEqual(first);
  });

  it("MAX_NODE_LIMIT_EXCEEDED without data shrinks too", async () => {
    sim.faults.add({
      kind: "resourceLimit",
      maxRepositories: 10,
      answer: "noData",
      type: "MAX_NODE_LIMIT_EXCEEDED",
    });
    const targets = githubTargets(40);
    const resolver = resolverFor(sim);
    expectAllResolved(await resolveAll(resolver, targets), targets);
    expect(resolver.repositoriesPerQuery).toBeLessThan(20); // below the smallest size refused
  });

  it("an answer with neither data nor errors (an HTML page from a proxy) fails the batch once, as transient", async () => {
    sim.faults.add({ kind: "html", scope: "graphql" });
    const results = await resolveAll(resolverFor(sim), githubTargets(8));
    expect(tally(results)).toEqual({ transient: 8 });
    expect(sim.counters.graphql).toBe(1);
  });

  it("a null node in a tag list makes that repository's tag:latest/semver transient, never a lower version", async () => {
    const repo = "fault/tag-list";
    if (!sim.world.findRepo(repo)) {
      sim.world.createRepo(repo);
      for (const v of ["v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0"])
        sim.world.tag(repo, v, { target: sim.world.commit(repo) });
    }
    sim.faults.add({ kind: "tagNodeError", repository: repo, tag: "v2.0.0" });
    const targets = ["tag:latest", "semver:>=1", "tag:v1.0.0"].map((r) => target(`github://${repo}`, r));
    const results = await resolveAll(resolverFor(sim), targets);
    expect(sim.faults.fired.tagNodeError).toBeGreaterThan(0);
    expect(kind(results.get(targets[0]?.key as string))).toBe("transient");
    expect(kind(results.get(targets[1]?.key as string))).toBe("transient");
    expect(sha(results.get(targets[2]?.key as string))).toBe(
      sim.world.peel(sim.world.repo(repo), sim.world.repo(repo).tags.get("v1.0.0") as string),
    );

    sim.faults.clear(); // the next sweep sees the whole list
    const again = await resolveAll(resolverFor(sim), targets);
    const latest = again.get(targets[0]?.key as string);
    expect(latest?.status === "resolved" && latest.tag).toBe("v2.0.0");
  });

  it("a resource limit that nulls only the ref and tag fields retries those repositories in smaller queries", async () => {
    sim.faults.add({ kind: "resourceLimit", maxRepositories: 4, answer: "fields" });
    const targets = githubTargets(8);
    const resolver = resolverFor(sim);
    expectAllResolved(await resolveAll(resolver, targets), targets);
    console.log(`field-level resource limit at 4: query sizes ${JSON.stringify(querySizes())}`);
    expect(resolver.repositoriesPerQuery).toBeLessThanOrEqual(4);
  });

  it("only full-size batch queries count as evidence to grow the batch back", async () => {
    const limit = sim.faults.add({ kind: "resourceLimit", maxRepositories: 30 });
    const resolver = resolverFor(sim);
    const targets = githubTargets(120);
    expectAllResolved(await resolveAll(resolver, targets), targets);
    const learned = resolver.repositoriesPerQuery;
    // Sweeps of one repository send one-repository queries: they say nothing about bigger batches.
    const one = [target("github://fault/r0", "tag:v1")];
    for (let i = 0; i < 30; i++) expectAllResolved(await resolveAll(resolver, one), one);
    console.log(
      `learned batch size ${learned}, after 30 one-repository sweeps ${resolver.repositoriesPerQuery}`,
    );
    expect(resolver.repositoriesPerQuery).toBe(learned);
    sim.faults.remove(limit);
  });

  it("bad credentials (401) give forbidden after a single request", async () => {
    const results = await resolveAll(
      resolverFor(sim, {
        auth: { token: "ghp_wrongwrongwrongwrongwrongwrongwrong1" },
        repositoriesPerQuery: 10,
      }),
      githubTargets(50),
    );
    expect(tally(results)).toEqual({ forbidden: 50 });
    expect(sim.counters.unauthorized).toBe(1);
  });

  it("a GitHub App that cannot get an installation token is forbidden (no REST fallback, not not_found)", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    sim.faults.add({ kind: "status", status: 404, scope: "rest", pathIncludes: "/access_tokens" });
    const results = await resolveAll(
      resolverFor(sim, { auth: { appId: 1, privateKey, installationId: 999 } }),
      githubTargets(3),
    );
    expect(tally(results)).toEqual({ forbidden: 3 });
    const r = [...results.values()][0];
    expect(r?.status === "failed" && r.message).toMatch(/App authentication failed/);
    expect(sim.counters.byPath["GET /repos/fault/r0/commits/tags/v1"]).toBeUndefined();
  });
});

describe("the caller's abort signal", () => {
  it("stops the run: in-flight lookups are transient, the rest deferred, and the call returns promptly", async () => {
    sim.setLatency(400);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const results = await resolverFor(sim, { repositoriesPerQuery: 10 }).resolve(
        githubTargets(60).map((t) => ({ target: t })),
        controller.signal,
      );
      console.log(`aborted after ${Date.now() - started} ms: ${JSON.stringify(tally(results))}`);
      expect(results.size).toBe(60);
      const counts = tally(results);
      expect((counts.transient ?? 0) + (counts.deferred ?? 0)).toBe(60);
      expect(counts.deferred).toBeGreaterThan(0);
    } finally {
      sim.setLatency(0);
    }
  });
});
