/**
 * REST and Gitea calls under GraphQL's rule (issue 23): a request that times out is sent once more; a repository
 * that times out twice in one call gets no further request in it (its lookups fail as the host's, `timedOut`, for
 * the worker to re-queue); the other repositories of the call resolve; review packets' comparisons likewise.
 */
import { makeTarget, parseSource, parseTrackedRef, type Resolution, type ReviewRequest } from "@drift/core";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kind, resolverFor, sha, startSim, target } from "../support/github";

const TIMEOUT_MS = 400;
let sim: GitHubSim;
let heads: Record<string, string>;

beforeAll(async () => {
  sim = await startSim();
  heads = {};
  for (const name of ["slow/hung", "slow/ok1", "slow/ok2", "slow/blip"]) {
    sim.world.createRepo(name);
    heads[name] = sim.world.commit(name);
    sim.world.tag(name, "v1.0.0");
  }
});
afterAll(async () => sim.close());
let hangsBefore = 0;
beforeEach(() => {
  sim.faults.clear();
  hangsBefore = sim.faults.fired.hang;
});
/** Requests the simulator held (never answered) in this test. */
const hangs = () => sim.faults.fired.hang - hangsBefore;

const failed = (r: Resolution | undefined) => (r?.status === "failed" ? r : undefined);

describe.each([
  { host: "GitHub REST", scheme: "github", scope: "rest" as const, path: "/repos/slow/hung/" },
  { host: "Gitea", scheme: "gitea", scope: "gitea" as const, path: "/repos/slow/hung/" },
])("$host: at most two timeouts per repository and call", ({ scheme, scope, path }) => {
  const source = (repo: string) => (scheme === "github" ? `github://${repo}` : `gitea://${sim.host}/${repo}`);
  const resolver = () => resolverFor(sim, { useGraphql: false, requestTimeoutMs: TIMEOUT_MS, retries: 0 });

  it("a hung repository costs two timeouts, not one per request, and the others resolve", async () => {
    sim.faults.add({ kind: "hang", scope, pathIncludes: path });
    const hung = [
      target(source("slow/hung"), "branch:main"),
      target(source("slow/hung"), "tag:v1.0.0"),
      target(source("slow/hung"), "tag:latest"),
      target(source("slow/hung"), "ref:main"),
    ];
    const ok = [target(source("slow/ok1"), "branch:main"), target(source("slow/ok2"), "tag:latest")];
    const started = Date.now();
    const results = await resolver().resolve([...hung, ...ok].map((t) => ({ target: t })));
    const elapsed = Date.now() - started;
    // One timeout for the requests in flight, at most one more for a retry; never one per lookup (4 × 2).
    expect(elapsed).toBeLessThan(4 * TIMEOUT_MS + 600); // two timeouts plus slack for a loaded machine
    // The requests in flight when the first timed out, and one retry: nothing more went to the repository.
    expect(hangs()).toBeLessThanOrEqual(hung.length + 1);
    for (const t of hung) {
      const f = failed(results.get(t.key));
      expect(f, t.key).toMatchObject({ kind: "transient", scope: "host", timedOut: true });
      expect(f?.message).toMatch(/twice/);
    }
    expect(sha(results.get(ok[0]?.key as string))).toBe(heads["slow/ok1"]);
    expect(kind(results.get(ok[1]?.key as string))).toBe("resolved");
  });

  it("one timeout is retried once, and the answer to the retry is the result", async () => {
    sim.faults.add({ kind: "hang", scope, pathIncludes: path, times: 1 });
    const t = target(source("slow/hung"), "branch:main");
    const results = await resolver().resolve([{ target: t }]);
    expect(sha(results.get(t.key))).toBe(heads["slow/hung"]);
    expect(hangs()).toBe(1);
  });

  it("the deadline ends a retry: what is left is deferred, not failed", async () => {
    sim.faults.add({ kind: "hang", scope, pathIncludes: path });
    const t = target(source("slow/hung"), "branch:main");
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(
      () => controller.abort(Object.assign(new Error("deadline"), { name: "AbortError", deadline: true })),
      TIMEOUT_MS + 100,
    );
    const results = await resolver().resolve([{ target: t }], controller.signal);
    expect(Date.now() - started).toBeLessThan(2 * TIMEOUT_MS);
    expect(failed(results.get(t.key))).toMatchObject({ kind: "deferred", timedOut: true });
  });
});

describe("review packets over REST", () => {
  it("a hung comparison costs two timeouts per repository, and the packet says why", async () => {
    const current = heads["slow/blip"] as string;
    const latest = sim.world.commit("slow/blip");
    sim.faults.add({ kind: "hang", scope: "rest", pathIncludes: "/repos/slow/blip/compare" });
    const s = parseSource("github://slow/blip");
    const r = parseTrackedRef("branch:main");
    if (s.status !== "ok" || r.status !== "ok") throw new Error("bad test target");
    const request: ReviewRequest = {
      target: makeTarget(s.value, r.value),
      latestSha: latest,
      releaseTag: null,
      commit: false,
      currents: [current],
    };
    const resolver = resolverFor(sim, { requestTimeoutMs: TIMEOUT_MS, retries: 0 });
    const started = Date.now();
    const answers = await resolver.review?.([request]);
    expect(Date.now() - started).toBeLessThan(4 * TIMEOUT_MS + 600);
    expect(hangs()).toBe(2);
    const answer = [...(answers?.values() ?? [])][0];
    expect(answer?.compares.get(current)).toMatchObject({ ok: false, error: expect.stringMatching(/twice/) });
  });
});
