/**
 * The short backoff's numbers (issue 23): 30 s doubling to SQS's 900 s cap, six re-queues (about half an hour
 * before the hourly sweep takes over), and the attempt carried in a version-1 message.
 */
import {
  DEFAULT_DEFERRAL,
  deferralDelaySeconds,
  MalformedMessageError,
  parseSweepMessage,
} from "@drift/core";
import { describe, expect, it } from "vitest";

const body = (extra: Record<string, unknown>) =>
  JSON.stringify({
    v: 1,
    sweepId: "00000000-0000-4000-8000-000000000001",
    seq: 0,
    targets: [{ p: "github", h: "github.com", o: "o", r: "r", t: "branch:main" }],
    ...extra,
  });

describe("deferral backoff", () => {
  it("30 s, doubling, capped at SQS's 900 s; six re-queues within the hour", () => {
    const delays = Array.from({ length: DEFAULT_DEFERRAL.maxAttempts }, (_, i) =>
      deferralDelaySeconds(i + 1),
    );
    expect(delays).toEqual([30, 60, 120, 240, 480, 900]);
    expect(deferralDelaySeconds(20)).toBe(900);
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThan(3600);
  });

  it("a message carries its attempt as `d` (absent in a sweep's message); a nonsense attempt is malformed", () => {
    expect(parseSweepMessage(body({})).message.d).toBeUndefined();
    expect(parseSweepMessage(body({ d: 3 })).message.d).toBe(3);
    for (const d of [0, -1, 1.5, "2"])
      expect(() => parseSweepMessage(body({ d }))).toThrow(MalformedMessageError);
  });
});
