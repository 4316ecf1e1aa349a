import type { ListedCommitTag, Resolution } from "@drift/core";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolveAll, resolverFor, startSim, target } from "../support/github";

/**
 * The tag object and its tagger date travel with the resolution (the release age of a tag without a release,
 * and the tag-integrity ledger), taken from answers the resolver fetches anyway: no request is added.
 */

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

/** A repository with an annotated v1.1.0 (the highest), a lightweight v1.0.0 and a tag of a tag v0.9.0. */
function world(repo: string) {
  const w = sim.world;
  w.createRepo(repo);
  const nested = w.tag(repo, "v0.9.0", { nesting: 1, target: w.commit(repo) });
  const light = w.tag(repo, "v1.0.0", { target: w.commit(repo) });
  const annotated = w.tag(repo, "v1.1.0", { annotated: true, target: w.commit(repo) });
  const dateOf = (object: string) => {
    const o = w.repo(repo).objects.get(object);
    if (o?.type !== "tag") throw new Error("not a tag object");
    return o.date;
  };
  return { light, annotated, nested, taggedAt: dateOf(annotated.ref), nestedAt: dateOf(nested.ref) };
}

const fields = (r: Resolution | undefined) =>
  r?.status === "resolved"
    ? { sha: r.sha, tag: r.tag, tagObject: r.tagObject, taggedAt: r.taggedAt }
    : { failed: r?.message };
const listed = (r: Resolution | undefined, name: string): ListedCommitTag | undefined =>
  r?.status === "resolved" ? r.tags?.find((t) => t.name === name) : undefined;

/**
 * What every host path that knows tag objects answers for tag:v1.1.0 (annotated), tag:v1.0.0 (lightweight),
 * tag:v0.9.0 (a tag of a tag: the object the ref names, the outer one, and its date) and tag:latest, in that order.
 */
function expectTagAnswers(at: (i: number) => Resolution | undefined, w: ReturnType<typeof world>) {
  const annotated = { tagObject: w.annotated.ref, taggedAt: w.taggedAt };
  expect(fields(at(0))).toEqual({ sha: w.annotated.commit, tag: undefined, ...annotated });
  expect(fields(at(1))).toEqual({
    sha: w.light.commit,
    tag: undefined,
    tagObject: null,
    taggedAt: undefined,
  });
  expect(fields(at(2))).toEqual({
    sha: w.nested.commit,
    tag: undefined,
    tagObject: w.nested.ref,
    taggedAt: w.nestedAt,
  });
  expect(fields(at(3))).toEqual({ sha: w.annotated.commit, tag: "v1.1.0", ...annotated });
}

describe("tag objects and tagger dates in resolutions", () => {
  it("GraphQL: the tag object and tagger date come in the same queries (no extra request)", async () => {
    const w = world("obj/gql");
    const targets = ["tag:v1.1.0", "tag:v1.0.0", "tag:v0.9.0", "tag:latest", "ref:v1.1.0", "branch:main"].map(
      (ref) => target("github://obj/gql", ref),
    );
    const resolver = resolverFor(sim);
    const results = await resolveAll(resolver, targets);
    const at = (i: number) => results.get(targets[i]?.key as string);
    expectTagAnswers(at, w);
    expect(fields(at(4))).toEqual({
      sha: w.annotated.commit,
      tag: undefined,
      tagObject: w.annotated.ref,
      taggedAt: w.taggedAt,
    });
    expect(fields(at(5))).toMatchObject({ tagObject: undefined, taggedAt: undefined });
    expect(listed(at(3), "v1.0.0")).toEqual({ name: "v1.0.0", sha: w.light.commit, object: null });
    expect(listed(at(3), "v1.1.0")).toEqual({
      name: "v1.1.0",
      sha: w.annotated.commit,
      object: w.annotated.ref,
    });
    expect(listed(at(3), "v0.9.0")).toEqual({ name: "v0.9.0", sha: w.nested.commit, object: w.nested.ref });
    // One query for the refs and the tag page together, as before.
    expect(sim.counters.graphql).toBe(1);
    expect(sim.counters.rest).toBe(0);
    expect(sim.requests.find((r) => r.scope === "graphql")?.query).toContain("tagger { date }");
  });

  it("GitHub REST: the commit endpoints do not say which tag object a tag is, so it stays unknown", async () => {
    const w = world("obj/rest");
    const targets = ["tag:v1.1.0", "tag:latest"].map((ref) => target("github://obj/rest", ref));
    const results = await resolveAll(resolverFor(sim, { useGraphql: false }), targets);
    const [fixed, latest] = targets.map((t) => results.get(t.key));
    expect(fields(fixed)).toEqual({
      sha: w.annotated.commit,
      tag: undefined,
      tagObject: undefined,
      taggedAt: undefined,
    });
    expect(fields(latest)).toMatchObject({ sha: w.annotated.commit, tag: "v1.1.0", tagObject: undefined });
    expect(listed(latest, "v1.1.0")).toEqual({ name: "v1.1.0", sha: w.annotated.commit });
    expect(sim.counters.graphql).toBe(0);
  });

  it("Gitea: the tag list names the tag object, the peel that was needed anyway carries the tagger date", async () => {
    const w = world("obj/gitea");
    const g = (ref: string) => target(`gitea://${sim.host}/obj/gitea`, ref);
    const targets = [g("tag:v1.1.0"), g("tag:v1.0.0"), g("tag:v0.9.0"), g("tag:latest")];
    const resolver = resolverFor(sim);
    const results = await resolveAll(resolver, targets);
    const at = (i: number) => results.get(targets[i]?.key as string);
    expectTagAnswers(at, w);
    expect(listed(at(3), "v1.0.0")).toMatchObject({ object: null });
    expect(listed(at(3), "v1.1.0")).toMatchObject({ object: w.annotated.ref });
    // Three tag lookups, one tag list page, and the peels those needed anyway (v1.1.0's shared): no request added.
    const paths = sim.requests
      .filter((r) => r.scope === "gitea")
      .map((r) => r.path.replace(/[0-9a-f]{40}$/, "SHA"));
    expect(paths.sort()).toEqual([
      "/api/v1/repos/obj/gitea/git/tags/SHA",
      "/api/v1/repos/obj/gitea/git/tags/SHA",
      "/api/v1/repos/obj/gitea/tags",
      "/api/v1/repos/obj/gitea/tags/v0.9.0",
      "/api/v1/repos/obj/gitea/tags/v1.0.0",
      "/api/v1/repos/obj/gitea/tags/v1.1.0",
    ]);
  });
});
