import {
  makeTarget,
  parseSource,
  parseTrackedRef,
  type Resolution,
  type ReviewAnswer,
  type ReviewRequest,
} from "@drift/core";
import type { GitHubSim } from "@drift/github-sim";
import { validate } from "@octokit/graphql-schema";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolveAll, resolverFor, startSim, target } from "../support/github";

/**
 * A valid signature on the annotated tag makes a version `signed` (CONTRACT "trust"). GitHub's published GraphQL
 * schema has no `Tag.signature`: the packet asks REST `git/tags/{sha}` once per distinct tag object, and only
 * when the commit's signature or an immutable release does not already decide. Gitea's peel reads the tag
 * object anyway, so its resolution carries the verdict at no cost.
 */

let sim: GitHubSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => sim?.close());
beforeEach(() => {
  sim.faults.clear();
  sim.resetCounters();
});

function request(source: string, ref: string, latestSha: string, extra: Partial<ReviewRequest> = {}) {
  const s = parseSource(source);
  const r = parseTrackedRef(ref);
  if (s.status !== "ok" || r.status !== "ok") throw new Error("bad test target");
  const asked: ReviewRequest = {
    target: makeTarget(s.value, r.value),
    latestSha,
    releaseTag: null,
    commit: true,
    currents: [],
    ...extra,
  };
  return asked;
}

const tagSignatures = (answers: Map<string, ReviewAnswer> | undefined) =>
  [...(answers?.values() ?? [])].map((a) =>
    a.commit?.ok ? (a.commit.value.tagSignature ?? null) : "failed",
  );
const tagObjectRequests = () => sim.requests.filter((r) => r.path.includes("/git/tags/")).length;

/** signed, invalid and unsigned annotated tags, a lightweight one and a signed tag on a signed commit. */
function world(repo: string) {
  const w = sim.world;
  w.createRepo(repo);
  const signed = w.tag(repo, "v1.0.0", { target: w.commit(repo), annotated: true, signature: "valid" });
  const invalid = w.tag(repo, "v1.0.1", { target: w.commit(repo), annotated: true, signature: "invalid" });
  const unsigned = w.tag(repo, "v1.0.2", { target: w.commit(repo), annotated: true });
  const light = w.tag(repo, "v1.0.3", { target: w.commit(repo) });
  const both = w.commit(repo, undefined, "signed commit", { signature: "valid" });
  const bothTag = w.tag(repo, "v1.0.4", { target: both, annotated: true, signature: "valid" });
  return { signed, invalid, unsigned, light, bothTag };
}

describe("the annotated tag's signature", () => {
  it("is no field of GitHub's published GraphQL schema (so it cannot ride in the packet query)", () => {
    const query = `query { repository(owner: "o", name: "n") {
      object(oid: "${"ab".repeat(20)}") { ... on Tag { signature { isValid state } } } } }`;
    expect(
      validate(query)
        .map((e) => e.message)
        .join(" "),
    ).toMatch(/signature.*Tag/);
  });

  it("GitHub: asked of REST once per distinct tag object, never for lightweight tags or signed commits", async () => {
    const w = world("sig/gh");
    const gh = (ref: string, t: { ref: string; commit: string }, tagObject: string | null) =>
      request("github://sig/gh", ref, t.commit, { tagObject });
    const asks = [
      gh("tag:v1.0.0", w.signed, w.signed.ref),
      gh("tag:latest", w.signed, w.signed.ref), // another target, the same tag object: one request
      gh("tag:v1.0.1", w.invalid, w.invalid.ref),
      gh("tag:v1.0.2", w.unsigned, w.unsigned.ref),
      gh("tag:v1.0.3", w.light, null),
      gh("tag:v1.0.4", w.bothTag, w.bothTag.ref), // the commit's own signature decides: not asked
      request("github://sig/gh", "branch:main", w.light.commit), // no tag at all
    ];
    const expected = ["valid", "valid", "invalid", "unsigned", null, null, null];
    expect(tagSignatures(await resolverFor(sim).review?.(asks))).toEqual(expected);
    expect(tagObjectRequests()).toBe(3);
    expect(sim.counters.graphql).toBe(1);
    sim.resetCounters();
    expect(tagSignatures(await resolverFor(sim, { useGraphql: false }).review?.(asks))).toEqual(expected);
    expect(tagObjectRequests()).toBe(3);
  });

  it("a failed tag lookup fails the packet (a later sweep retries) rather than leave it lower than it is", async () => {
    const w = world("sig/fail");
    sim.faults.add({ kind: "status", status: 500, scope: "rest", pathIncludes: "/git/tags/" });
    const answers = await resolverFor(sim).review?.([
      request("github://sig/fail", "tag:v1.0.0", w.signed.commit, { tagObject: w.signed.ref }),
      request("github://sig/fail", "tag:v1.0.3", w.light.commit, { tagObject: null }),
    ]);
    expect(tagSignatures(answers)).toEqual(["failed", null]);
  });

  it("Gitea: the peel the resolution needs anyway carries it; the packet asks nothing more", async () => {
    const w = world("sig/gitea");
    const g = (ref: string) => target(`gitea://${sim.host}/sig/gitea`, ref);
    const targets = [g("tag:v1.0.0"), g("tag:v1.0.1"), g("tag:v1.0.2"), g("tag:v1.0.3"), g("tag:latest")];
    const results = await resolveAll(resolverFor(sim), targets);
    const said = (r: Resolution | undefined) =>
      r?.status === "resolved" ? [r.tagObject ?? null, r.tagSignature ?? null] : r?.message;
    expect(targets.map((t) => said(results.get(t.key)))).toEqual([
      [w.signed.ref, "valid"],
      [w.invalid.ref, "invalid"],
      [w.unsigned.ref, "unsigned"],
      [null, null],
      [w.bothTag.ref, "valid"],
    ]);
    sim.resetCounters();
    const answers = await resolverFor(sim).review?.([
      request(`gitea://${sim.host}/sig/gitea`, "tag:v1.0.0", w.signed.commit, {
        tagObject: w.signed.ref,
        tagSignature: "valid",
      }),
    ]);
    expect(tagSignatures(answers)).toEqual(["valid"]);
    expect(tagObjectRequests()).toBe(0);
  });

  it("GraphQL resolutions name the tag object (the packet's lookup key) without a verdict", async () => {
    const w = world("sig/gql");
    const t = target("github://sig/gql", "tag:v1.0.0");
    const r = (await resolveAll(resolverFor(sim), [t])).get(t.key);
    expect(r).toMatchObject({ status: "resolved", sha: w.signed.commit, tagObject: w.signed.ref });
    expect(r?.status === "resolved" ? r.tagSignature : "failed").toBeUndefined();
  });
});
