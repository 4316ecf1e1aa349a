import {
  makeTarget,
  parseSource,
  parseTrackedRef,
  processSweepMessage,
  type ReviewStore,
  type SweepStore,
  type WorkerDeps,
} from "@drift/core";
import { describe, expect, it, vi } from "vitest";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const SWEEP = "0e7c2a56-9a53-4a43-8f3e-2d1c7b9a0f11";
const NEW_SHA = "b".repeat(40);
const OLD_SHA = "a".repeat(40);

function target() {
  const s = parseSource("github://acme/widget");
  const r = parseTrackedRef("branch:main");
  if (s.status !== "ok" || r.status !== "ok") throw new Error("bad test target");
  return makeTarget(s.value, r.value);
}

/** A worker whose stores log what happened in order; the packet fetch answers when `release` is called. */
function worker() {
  const events: string[] = [];
  let release = () => {};
  const fetched = new Promise<void>((resolve) => {
    release = resolve;
  });
  const t = target();
  const store = {
    loadTargetState: async () => new Map(),
    recordOutcomes: async () => {
      events.push("drift transaction");
      return { drift: { new: 1, refreshed: 0, superseded: 0 } };
    },
  } as unknown as SweepStore;
  const reviews: ReviewStore = {
    wantedReviews: async () => [],
    predictedReviews: async (resolved) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push("guess read");
      return [
        {
          targetKey: resolved[0]?.targetKey ?? t.key,
          currentSha: OLD_SHA,
          latestSha: NEW_SHA,
          resolvedTag: null,
          needCommit: true,
          needCompare: true,
        },
      ];
    },
    recordReviews: async () => {
      events.push("packets recorded");
    },
  };
  const deps: WorkerDeps = {
    store,
    reviews,
    log: quiet,
    metrics: { add() {}, gauge() {} } as unknown as WorkerDeps["metrics"],
    resolver: {
      resolve: async (requests) =>
        new Map(requests.map((r) => [r.target.key, { status: "resolved", sha: NEW_SHA } as const])),
      stats: () => ({}) as never,
      review: async (requests) => {
        events.push("packets asked of the host");
        await fetched;
        return new Map(
          requests.map((r) => [
            `${r.target.key}\n${r.latestSha}`,
            { compares: new Map(r.currents.map((c) => [c, { ok: false, error: "test" }] as const)) },
          ]),
        );
      },
    },
  };
  const body = JSON.stringify({
    v: 1,
    sweepId: SWEEP,
    seq: 0,
    targets: [{ p: "github", h: "github.com", o: "acme", r: "widget", t: "branch:main" }],
  });
  return { deps, body, events, release };
}

describe("the worker's packet guess and its drift transaction", () => {
  it("reads the guess before the transaction starts, and the host's round trip overlaps the write", async () => {
    const w = worker();
    const done = processSweepMessage(w.deps, w.body, 1);
    // The transaction has started while the packets are still on their way (the fetch has not answered).
    await vi.waitFor(() => expect(w.events).toHaveLength(3), { timeout: 2000, interval: 2 });
    expect(w.events[0]).toBe("guess read");
    expect([...w.events].sort()).toEqual(["drift transaction", "guess read", "packets asked of the host"]);
    w.release();
    await done;
    expect(w.events.at(-1)).toBe("packets recorded");
  });

  it("a guess that fails does not hold the transaction back", async () => {
    const w = worker();
    const failing: ReviewStore = {
      ...(w.deps.reviews as ReviewStore),
      predictedReviews: async () => {
        throw new Error("connection lost");
      },
    };
    w.release();
    const result = await processSweepMessage({ ...w.deps, reviews: failing }, w.body, 1);
    expect(result.drift.new).toBe(1);
    expect(w.events).toContain("drift transaction");
  });
});
