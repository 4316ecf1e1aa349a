import {
  giteaWebBase,
  githubWebBase,
  makeTarget,
  parseSource,
  parseTrackedRef,
  type ReviewAnswer,
  type ReviewRequest,
} from "@drift/core";
import { buildPacketQuery } from "@drift/github/internal/packets/review-packet-query";
import type { GitHubSim } from "@drift/github-sim";
import { validate } from "@octokit/graphql-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolverFor, startSim } from "../support/github";

const messages = (query: string) => validate(query).map((e) => e.message);

function request(
  source: string,
  ref: string,
  latestSha: string,
  extra: Partial<ReviewRequest> = {},
): ReviewRequest {
  const s = parseSource(source);
  const r = parseTrackedRef(ref);
  if (s.status !== "ok" || r.status !== "ok") throw new Error("bad test target");
  return {
    target: makeTarget(s.value, r.value),
    latestSha,
    releaseTag: null,
    commit: true,
    currents: [],
    ...extra,
  };
}

let sim: GitHubSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => sim?.close());

describe("review packet requests on GitHub", () => {
  it("every packet document is valid against GitHub's published schema, names only in variables", () => {
    const shapes = [
      { commits: ["ab".repeat(20)], releases: [] },
      { commits: ["ab".repeat(20), "cd".repeat(20)], releases: ['v1.0.0"}{$x', "v2"] },
      { commits: [], releases: ["v3"] },
    ];
    for (const repos of [1, 3])
      for (const shape of shapes) {
        const built = buildPacketQuery(
          Array.from({ length: repos }, (_, i) => ({ owner: `o${i}`, name: "lint", ...shape })),
        );
        expect(messages(built.query)).toEqual([]);
        const declared = [...built.query.matchAll(/\$(\w+):/g)].map((m) => m[1]).sort();
        expect(Object.keys(built.variables).sort()).toEqual(declared);
        expect(built.query).not.toContain("v1.0.0");
      }
  });

  it("many repositories share one query; the documents actually sent validate", async () => {
    const reqs: ReviewRequest[] = [];
    for (let i = 0; i < 60; i++) {
      const repo = `many/r${i}`;
      sim.world.createRepo(repo);
      const sha = sim.world.commit(repo);
      sim.world.tag(repo, "v1.0.0");
      sim.world.release(repo, "v1.0.0", { body: "n" });
      reqs.push(request(`github://${repo}`, "tag:latest", sha, { releaseTag: "v1.0.0" }));
    }
    const before = sim.counters.graphql;
    const answers = await resolverFor(sim).review?.(reqs);
    // 60 repositories: 2 queries of at most 50.
    expect(sim.counters.graphql - before).toBe(2);
    expect([...(answers?.values() ?? [])].every((a) => a.commit?.ok)).toBe(true);
    const sent = sim.requests.filter((r) => r.query?.includes("ReviewPackets"));
    expect(sent).toHaveLength(2);
    for (const r of sent) expect(messages(r.query as string)).toEqual([]);
  });

  it("a failing GraphQL endpoint answers failures for every drift of the query, never throws", async () => {
    sim.world.createRepo("down/one");
    const sha = sim.world.commit("down/one");
    sim.faults.add({ kind: "status", status: 502, scope: "graphql", times: 10 });
    const resolver = resolverFor(sim, { retries: 0 });
    const answers = await resolver.review?.([
      request("github://down/one", "branch:main", sha, { currents: [sha] }),
    ]);
    sim.faults.clear();
    const answer = [...(answers?.values() ?? [])][0];
    expect(answer?.commit).toMatchObject({ ok: false });
    // The comparison is REST and independent: identical commits, 0 ahead.
    expect(answer?.compares.get(sha)).toEqual({ ok: true, value: { commitsAhead: 0, related: true } });
  });

  it("a plain 5xx on a packet query is repeated (retries), a heavy 502 is not", async () => {
    sim.world.createRepo("flaky/one");
    const sha = sim.world.commit("flaky/one");
    const ask = () =>
      resolverFor(sim, { retries: 2 }).review?.([request("github://flaky/one", "branch:main", sha)]);
    sim.resetCounters();
    sim.faults.add({ kind: "status", status: 503, scope: "graphql", times: 2 });
    const repeated = [...((await ask())?.values() ?? [])][0];
    expect(repeated?.commit).toMatchObject({ ok: true });
    expect(sim.counters.graphql).toBe(3);
    sim.faults.clear();
    sim.resetCounters();
    sim.faults.add({ kind: "status", status: 502, scope: "graphql", times: 1 });
    const heavy = [...((await ask())?.values() ?? [])][0];
    sim.faults.clear();
    expect(heavy?.commit).toMatchObject({ ok: false });
    expect(sim.counters.graphql).toBe(1);
  });

  it("a 5xx on a comparison is repeated by the packet code (its client has no retry plugin), a 404 is not", async () => {
    sim.world.createRepo("flaky/cmp");
    const from = sim.world.commit("flaky/cmp");
    const to = sim.world.commit("flaky/cmp");
    const ask = (retries: number) =>
      resolverFor(sim, { retries }).review?.([
        request("github://flaky/cmp", "branch:main", to, { commit: false, currents: [from] }),
      ]);
    const compare = async (retries: number) =>
      [...((await ask(retries))?.values() ?? [])][0]?.compares.get(from);
    const compares = () => sim.requests.filter((r) => r.path.includes("/compare/")).length;

    sim.resetCounters();
    sim.faults.add({ kind: "status", status: 500, scope: "rest", pathIncludes: "/compare/", times: 2 });
    expect(await compare(2)).toEqual({ ok: true, value: { commitsAhead: 1, related: true } });
    expect(compares()).toBe(3);
    sim.faults.clear();

    sim.resetCounters();
    sim.faults.add({ kind: "status", status: 503, scope: "rest", pathIncludes: "/compare/", times: 5 });
    expect(await compare(1)).toMatchObject({ ok: false });
    expect(compares()).toBe(2);
    sim.faults.clear();

    sim.resetCounters();
    expect(await compare(2)).toMatchObject({ ok: true });
    sim.faults.add({ kind: "status", status: 404, scope: "rest", pathIncludes: "/compare/", times: 5 });
    sim.resetCounters();
    expect(await compare(2)).toEqual({ ok: true, value: { commitsAhead: null, related: null } });
    expect(compares()).toBe(1);
    sim.faults.clear();
  });

  it("an unknown repository fails its own drifts only; web addresses follow the API URL", async () => {
    sim.world.createRepo("here/ok");
    const sha = sim.world.commit("here/ok");
    const answers = await resolverFor(sim).review?.([
      request("github://here/ok", "branch:main", sha),
      request("github://here/missing", "branch:main", sha),
    ]);
    const list = [...(answers?.values() ?? [])];
    expect(list.map((a) => a.commit?.ok)).toEqual([true, false]);
    expect(githubWebBase("https://api.github.com")).toBe("https://github.com");
    expect(githubWebBase("https://ghe.example.com/api/v3/")).toBe("https://ghe.example.com");
    expect(giteaWebBase("git.example.com", undefined)).toBe("https://git.example.com");
    expect(giteaWebBase("git.example.com", "https://git.example.com/api/v1")).toBe("https://git.example.com");
  });

  it("an immutable release says so through GraphQL (asked of REST, once per tag with a release) and REST; Gitea says nothing", async () => {
    const w = sim.world;
    w.createRepo("imm/kit");
    const sha = w.commit("imm/kit");
    w.tag("imm/kit", "v2.0.0");
    w.release("imm/kit", "v2.0.0", { immutable: true });
    const other = w.commit("imm/kit");
    w.tag("imm/kit", "v2.0.1");
    w.release("imm/kit", "v2.0.1");
    const third = w.commit("imm/kit");
    w.tag("imm/kit", "v2.0.2"); // no release: no request for it
    const asks = [
      request("github://imm/kit", "tag:v2.0.0", sha, { releaseTag: "v2.0.0" }),
      request("github://imm/kit", "tag:latest", other, { releaseTag: "v2.0.1" }),
      request("github://imm/kit", "semver:^2", third, { releaseTag: "v2.0.2" }),
    ];
    const immutables = (answers: Map<string, ReviewAnswer> | undefined) =>
      [...(answers?.values() ?? [])].map((a) => {
        if (!a.commit?.ok) return "failed";
        const release = a.commit.value.release;
        return release ? release.immutable : "no release";
      });
    sim.resetCounters();
    expect(immutables(await resolverFor(sim).review?.(asks))).toEqual([true, false, "no release"]);
    expect(sim.requests.filter((r) => r.path.includes("/releases/tags/")).map((r) => r.path)).toHaveLength(2);
    expect(immutables(await resolverFor(sim, { useGraphql: false }).review?.(asks))).toEqual([
      true,
      false,
      "no release",
    ]);
    const gitea = await resolverFor(sim).review?.([
      request(`gitea://${sim.host}/imm/kit`, "tag:v2.0.0", sha, { releaseTag: "v2.0.0" }),
    ]);
    expect(immutables(gitea)).toEqual([null]);
  });
});
