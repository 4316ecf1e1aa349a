/**
 * The worker's deadline reaches every request (issue 23): a host that never answers costs no more than the
 * deadline, whatever the request timeout, and what was not looked up is deferred (not failed, not retried).
 */
import { deadlineSignal, type Resolution } from "@drift/core";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kind, resolverFor, startSim, target } from "../support/github";

let sim: GitHubSim;
beforeAll(async () => {
  sim = await startSim();
  for (let i = 0; i < 4; i++) sim.world.createRepo(`late/r${i}`);
});
afterAll(async () => sim.close());

describe("deadline-bounded resolution", () => {
  it("a hung host costs the deadline, not the 15 s request timeout, and its targets are deferred", async () => {
    sim.faults.add({ kind: "hang", scope: "graphql" });
    const targets = Array.from({ length: 4 }, (_, i) => target(`github://late/r${i}`, "branch:main"));
    const started = Date.now();
    const results = await resolverFor(sim).resolve(
      targets.map((t) => ({ target: t })),
      deadlineSignal(400),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(5_000);
    const kinds = [...results.values()].map((r: Resolution) => kind(r));
    expect(kinds).toEqual(["deferred", "deferred", "deferred", "deferred"]);
    const first = results.get(targets[0]?.key as string);
    expect(first?.status === "failed" && first.message).toMatch(/deadline/);
  });

  it("a deadline already past sends nothing", async () => {
    sim.faults.clear();
    sim.resetCounters();
    const results = await resolverFor(sim).resolve(
      [{ target: target("github://late/r0", "branch:main") }],
      deadlineSignal(0),
    );
    expect([...results.values()].map(kind)).toEqual(["deferred"]);
    expect(sim.counters.graphql).toBe(0);
  });
});
