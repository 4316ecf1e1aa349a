import Bottleneck from "bottleneck/light.js";
import { describe, expect, it } from "vitest";
import { graphqlPace } from "../../packages/github/src/shared/http";

describe("GraphQL pace", () => {
  it("lets a burst of queries leave at once, then holds the rest for the next window (2,000 a minute on average)", async () => {
    expect(graphqlPace(8, 30)).toEqual({
      reservoir: 8,
      reservoirRefreshAmount: 8,
      reservoirRefreshInterval: 240,
    });
    expect(graphqlPace(8, 0)).toEqual({}); // tests switch pacing off
    const limiter = new Bottleneck({ maxConcurrent: 8, ...graphqlPace(8, 30) });
    const started: number[] = [];
    const jobs = Array.from({ length: 10 }, (_, i) => limiter.schedule(async () => void started.push(i)));
    await Promise.all(jobs.slice(0, 8));
    // The first 8 ran without waiting for any window; the 9th and 10th wait for the refresh.
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await limiter.currentReservoir()).toBe(0);
    expect(limiter.counts().QUEUED + limiter.counts().RECEIVED).toBeGreaterThanOrEqual(2);
    await Promise.all(jobs);
    expect(started).toHaveLength(10);
    await limiter.stop({ dropWaitingJobs: false });
  });
});
