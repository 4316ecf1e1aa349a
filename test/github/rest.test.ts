import type { Resolution, Target } from "@drift/core";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kind, resolveAll, resolverFor, sha, startSim, target } from "../support/github";

let sim: GitHubSim;

beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.clear();
  sim.resetCounters();
});

const etagOf = (r: Resolution | undefined) => (r?.status === "resolved" ? r.etag : undefined);

describe("GitHub REST path (GraphQL disabled)", () => {
  it("sends If-None-Match with the known ETag and turns a 304 into the known SHA", async () => {
    sim.world.createRepo("rest/etag");
    const tag = sim.world.tag("rest/etag", "v1", { annotated: true });
    const head = sim.world.commit("rest/etag", "main");
    const targets = [target("github://rest/etag", "tag:v1"), target("github://rest/etag", "branch:main")];
    const resolver = resolverFor(sim, { useGraphql: false });

    const first = await resolveAll(resolver, targets);
    expect(sha(first.get(targets[0]?.key as string))).toBe(tag.commit);
    expect(sha(first.get(targets[1]?.key as string))).toBe(head);
    for (const r of first.values()) expect(etagOf(r)).toMatch(/^W\/".+"$/);
    expect(sim.requests.every((r) => r.ifNoneMatch === undefined)).toBe(true);
    const spentBefore = sim.budgets.core.remaining;

    // Next sweep: known state from the database → conditional requests.
    sim.resetCounters();
    const known = (t: Target) => {
      const r = first.get(t.key);
      return r?.status === "resolved" ? { sha: r.sha, etag: r.etag ?? null } : undefined;
    };
    const second = await resolver.resolve(targets.map((t) => ({ target: t, known: known(t) })));
    expect(sim.requests.map((r) => r.ifNoneMatch)).toEqual(targets.map((t) => etagOf(first.get(t.key))));
    expect(sim.counters.notModified).toBe(2);
    expect(resolver.stats().notModified).toBe(2);
    expect(sha(second.get(targets[0]?.key as string))).toBe(tag.commit);
    expect(etagOf(second.get(targets[0]?.key as string))).toBe(etagOf(first.get(targets[0]?.key as string)));
    expect(sim.budgets.core.remaining).toBe(spentBefore); // a 304 costs no rate limit

    // The tag moves: the same conditional request now answers 200 with the new SHA and a new ETag.
    const moved = sim.world.commit("rest/etag", "main", "moved");
    sim.world.moveTag("rest/etag", "v1", moved);
    const third = await resolver.resolve(targets.map((t) => ({ target: t, known: known(t) })));
    expect(sha(third.get(targets[0]?.key as string))).toBe(moved);
    expect(etagOf(third.get(targets[0]?.key as string))).not.toBe(
      etagOf(first.get(targets[0]?.key as string)),
    );
    expect(sim.counters.graphql).toBe(0);
  });

  it("resolves every ref kind through REST, including tag:latest over several pages", async () => {
    const repo = "rest/kinds";
    sim.world.createRepo(repo);
    let newest = "";
    for (let i = 0; i < 150; i++)
      newest = sim.world.tag(repo, `v3.${i}.0`, { target: sim.world.commit(repo) }).commit;
    sim.world.tag(repo, "v4.0.0-alpha");
    const both = sim.world.tag(repo, "both").commit;
    const branchHead = sim.world.setBranch(repo, "both", sim.world.commit(repo, "side"));
    const targets = [
      target(`github://${repo}`, "tag:latest"),
      target(`github://${repo}`, "semver:~3.7"),
      target(`github://${repo}`, "ref:both"),
      target(`github://${repo}`, "tag:both"),
      target(`github://${repo}`, "tag:missing"),
      target("github://rest/absent", "branch:main"),
    ];
    const results = await resolveAll(resolverFor(sim, { useGraphql: false }), targets);
    const latest = results.get(targets[0]?.key as string);
    expect(latest?.status === "resolved" && latest.tag).toBe("v3.149.0");
    expect(sha(latest)).toBe(newest);
    const tilde = results.get(targets[1]?.key as string);
    expect(tilde?.status === "resolved" && tilde.tag).toBe("v3.7.0");
    expect(sha(results.get(targets[2]?.key as string))).toBe(branchHead);
    expect(sha(results.get(targets[3]?.key as string))).toBe(both);
    expect(kind(results.get(targets[4]?.key as string))).toBe("not_found");
    expect(kind(results.get(targets[5]?.key as string))).toBe("not_found");
    // the tag list (2 pages of 100) is fetched once for both tag:latest and semver
    expect(sim.counters.byPath[`GET /repos/${repo}/tags`]).toBe(2);
    expect(sim.counters.graphql).toBe(0);
  });

  it("falls back to REST when the GraphQL endpoint does not exist", async () => {
    sim.world.createRepo("rest/fallback");
    const v = sim.world.tag("rest/fallback", "v1");
    const resolver = resolverFor(sim, { githubGraphqlUrl: `${sim.url}/no-graphql-here` });
    const results = await resolveAll(resolver, [target("github://rest/fallback", "tag:v1")]);
    expect(sha([...results.values()][0])).toBe(v.commit);
    expect(sim.counters.byPath["POST /no-graphql-here"]).toBe(1);
    expect(sim.counters.rest).toBe(2);
  });
});

describe("Gitea / Forgejo hosts", () => {
  it("resolve through the /api/v1 REST endpoints only (no GraphQL)", async () => {
    const repo = "forge/plugin";
    sim.world.createRepo(repo);
    const annotated = sim.world.tag(repo, "v1.0.0", { annotated: true, nesting: 1 });
    const v12 = sim.world.tag(repo, "v1.2.0", { target: sim.world.commit(repo) });
    sim.world.tag(repo, "v2.0.0-rc.1", { target: sim.world.commit(repo) });
    const dev = sim.world.setBranch(repo, "feature/x", sim.world.commit(repo, "main", "dev"));
    for (let i = 0; i < 60; i++) sim.world.tag(repo, `build-${i}`);
    const g = (ref: string) => target(`gitea://${sim.host}/${repo}`, ref);
    const targets = [
      g("tag:v1.0.0"),
      g("tag:latest"),
      g("semver:^1.0"),
      g("branch:feature/x"),
      g("ref:v1.2.0"),
      g("tag:nope"),
      target(`gitea://${sim.host}/forge/none`, "tag:v1"),
    ];
    const resolver = resolverFor(sim);
    const results = await resolveAll(resolver, targets);
    expect(sha(results.get(targets[0]?.key as string))).toBe(annotated.commit);
    const latest = results.get(targets[1]?.key as string);
    expect(latest?.status === "resolved" && latest.tag).toBe("v1.2.0");
    expect(sha(latest)).toBe(v12.commit);
    expect(sha(results.get(targets[2]?.key as string))).toBe(v12.commit);
    expect(sha(results.get(targets[3]?.key as string))).toBe(dev);
    expect(sha(results.get(targets[4]?.key as string))).toBe(v12.commit);
    expect(kind(results.get(targets[5]?.key as string))).toBe("not_found");
    expect(kind(results.get(targets[6]?.key as string))).toBe("not_found");
    expect(sim.counters.graphql).toBe(0);
    expect(sim.counters.rest).toBe(0);
    expect(sim.counters.gitea).toBeGreaterThan(0);
    expect(resolver.stats().graphqlRequests).toBe(0);
    // Gitea is a host of its own: its requests are not GitHub REST requests.
    expect(resolver.stats().restRequests).toBe(0);
    expect(resolver.stats().giteaRequests).toBe(sim.counters.gitea);
  });

  it("tag:latest and semver read every page of a Gitea tag list (X-Total-Count, no Link, newest first)", async () => {
    const repo = "forge/paged";
    sim.world.createRepo(repo);
    // Gitea lists tags newest first: the oldest tags, here the highest versions, land on the last page.
    const top = sim.world.tag(repo, "v9.0.0", { target: sim.world.commit(repo) });
    const commits = new Map<string, string>();
    for (let i = 0; i < 119; i++)
      commits.set(`v1.${i}.0`, sim.world.tag(repo, `v1.${i}.0`, { target: sim.world.commit(repo) }).commit);
    const g = (ref: string) => target(`gitea://${sim.host}/${repo}`, ref);
    const targets = [g("tag:latest"), g("semver:^9"), g("semver:~1.3")];
    const results = await resolveAll(resolverFor(sim), targets);
    const tagOf = (t: Target) => {
      const r = results.get(t.key);
      return r?.status === "resolved" ? r.tag : kind(r);
    };
    expect(tagOf(targets[0] as Target)).toBe("v9.0.0");
    expect(sha(results.get(targets[0]?.key as string))).toBe(top.commit);
    expect(tagOf(targets[1] as Target)).toBe("v9.0.0");
    expect(tagOf(targets[2] as Target)).toBe("v1.3.0");
    expect(sha(results.get(targets[2]?.key as string))).toBe(commits.get("v1.3.0"));
    // 120 tags at Gitea's maximum of 50 per page: 3 pages, fetched once for the three targets
    const pages = sim.requests.filter((r) => r.path === `/api/v1/repos/${repo}/tags`);
    expect(pages.length).toBe(3);
  });

  it("peels Gitea's annotated and nested tags to the commit; a tag of a tree or blob is invalid and never wins", async () => {
    const repo = "forge/peel";
    sim.world.createRepo(repo);
    const nested = sim.world.tag(repo, "v1.0.0", { nesting: 2, target: sim.world.commit(repo) });
    const light = sim.world.tag(repo, "v1.1.0", { target: sim.world.commit(repo) });
    const annotated = sim.world.tag(repo, "v1.2.0", { annotated: true, target: sim.world.commit(repo) });
    const deep = sim.world.tag(repo, "v2.0.0", { nesting: 1, target: sim.world.commit(repo) });
    sim.world.tag(repo, "v3.0.0", { points: "tree" });
    sim.world.tag(repo, "v3.1.0", { points: "blob", nesting: 1 });
    const refs = [
      "tag:v1.0.0",
      "tag:v1.1.0",
      "tag:v1.2.0",
      "tag:v2.0.0",
      "tag:v3.0.0",
      "tag:v3.1.0",
      "tag:latest",
      "semver:^1",
      "semver:>=3",
    ];
    const g = refs.map((r) => target(`gitea://${sim.host}/${repo}`, r));
    const results = await resolveAll(resolverFor(sim), g);
    const at = (i: number) => results.get(g[i]?.key as string);
    expect(sha(at(0))).toBe(nested.commit);
    expect(sha(at(1))).toBe(light.commit);
    expect(sha(at(2))).toBe(annotated.commit);
    expect(sha(at(3))).toBe(deep.commit);
    expect(kind(at(4))).toBe("invalid");
    expect(kind(at(5))).toBe("invalid");
    const latest = at(6);
    expect(latest?.status === "resolved" && latest.tag).toBe("v2.0.0");
    expect(sha(latest)).toBe(deep.commit);
    expect(sha(at(7))).toBe(annotated.commit);
    expect(kind(at(8))).toBe("not_found");
    const objects = sim.world.repo(repo).objects;
    for (const r of results.values())
      if (r.status === "resolved") expect(objects.get(r.sha)?.type).toBe("commit");

    // The same repository over GitHub GraphQL and GitHub REST gives the same answers.
    for (const useGraphql of [true, false]) {
      const gh = refs.map((r) => target(`github://${repo}`, r));
      const viaGithub = await resolveAll(resolverFor(sim, { useGraphql }), gh);
      const same = (i: number) => sha(viaGithub.get(gh[i]?.key as string));
      expect([0, 1, 2, 3, 6, 7].map(same), `useGraphql ${useGraphql}`).toEqual(
        [0, 1, 2, 3, 6, 7].map((i) => sha(at(i))),
      );
      if (useGraphql) expect(kind(viaGithub.get(gh[4]?.key as string))).toBe("invalid");
    }
  });

  it("a failing Gitea host fails only its own targets", async () => {
    sim.world.createRepo("forge/ok");
    const v = sim.world.tag("forge/ok", "v1");
    sim.faults.add({ kind: "status", status: 503, scope: "gitea" });
    const targets = [target(`gitea://${sim.host}/forge/ok`, "tag:v1"), target("github://forge/ok", "tag:v1")];
    const results = await resolveAll(resolverFor(sim), targets);
    expect(kind(results.get(targets[0]?.key as string))).toBe("transient");
    expect(sha(results.get(targets[1]?.key as string))).toBe(v.commit);
  });
});
