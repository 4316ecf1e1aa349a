import {
  addressRefusal,
  checkUrlShape,
  type DueDelivery,
  deliverNotifications,
  type NotificationStore,
  nextAttemptAt,
  notifyEventOf,
  slackBody,
} from "@drift/core";
import { describe, expect, it } from "vitest";

describe("notification rules", () => {
  it("retries 2 s, 4 s, 8 s (three within a minute), at most hourly, and gives up after 24 h", () => {
    const created = new Date(0);
    const at = (n: number, now: number) => nextAttemptAt(n, created, new Date(now))?.getTime() ?? null;
    expect([at(1, 0), at(2, 2_000), at(3, 6_000)]).toEqual([2_000, 6_000, 14_000]);
    expect(at(20, 10 * 3_600_000)).toBe(11 * 3_600_000);
    expect(at(30, 23.5 * 3_600_000)).toBe(24 * 3_600_000); // the last attempt lands on the deadline
    expect(at(31, 24 * 3_600_000)).toBeNull();
  });

  it.each([
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["10.2.3.4", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["fd12::1", "private"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["100.64.0.1", "shared (carrier-grade NAT)"],
    ["0.0.0.0", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
  ])("refuses %s as a %s address", (address, word) => {
    expect(addressRefusal(address, false)).toMatch(new RegExp(`a ${word.replace(/[()]/g, "\\$&")} address`));
  });

  it("admits public unicast addresses, and loopback only while allowed", () => {
    expect(addressRefusal("93.184.215.14", false)).toBeNull();
    expect(addressRefusal("2606:4700::1111", false)).toBeNull();
    expect(addressRefusal("127.0.0.1", true)).toBeNull();
    expect(addressRefusal("10.0.0.1", true)).toMatch(/private/);
    expect(addressRefusal("169.254.169.254", true)).toMatch(/metadata/);
    expect(checkUrlShape("http://127.0.0.1:9/x", true)).toMatchObject({ ok: true });
    expect(checkUrlShape("http://10.0.0.1:9/x", true)).toMatchObject({ ok: false });
    expect(checkUrlShape("ftp://example.com/", false)).toEqual({ ok: false, reason: "must be https" });
  });

  it("maps outbox event types to subscription events", () => {
    expect(
      [
        "plugin.drift.detected",
        "plugin.integrity.trust_downgrade",
        "plugin.update.applied",
        "plugin.update.rolled_back",
        "plugin.rollout.wave_started",
        "plugin.sweep.done",
      ].map(notifyEventOf),
    ).toEqual(["drift.detected", "integrity", "update.applied", "update.rolled_back", "rollout", null]);
  });

  it("escapes Slack mrkdwn in what repositories and tags name", () => {
    const body = slackBody({
      kind: "event",
      event: {
        id: "e",
        type: "plugin.integrity.tag_repointed",
        time: "2026-01-01T00:00:00Z",
        detail: {
          kind: "tag_repointed",
          repo_key: "acme/<!channel>",
          tag: "v1&<b>",
          previous_sha: "a",
          new_sha: "b",
        },
      },
    });
    const text = JSON.stringify((body as { blocks: unknown }).blocks);
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("&lt;!channel&gt;");
  });
});

describe("a delivery run", () => {
  function fakeStore(due: DueDelivery[]) {
    const log: string[] = [];
    const store: NotificationStore = {
      active: async () => true,
      fanOut: async () => 0,
      openDigests: async () => 0,
      claimDue: async () => due.splice(0),
      recordSent: async (id) => void log.push(`sent ${id}`),
      recordFailure: async (id) => void log.push(`failed ${id}`),
      release: async (ids) => void log.push(`released ${ids.join(",")}`),
      failingSubscriptions: async () => 0,
    };
    return { store, log };
  }
  const delivery = (id: string, sub: string): DueDelivery => ({
    id,
    subscription_id: sub,
    url: `https://${sub}.example/`,
    format: "json",
    secret: null,
    payload: { kind: "test", time: "t" },
    attempts: 0,
    created_at: new Date(),
  });

  it("after a failure, that subscription's other deliveries wait with it; the others are sent", async () => {
    const { store, log } = fakeStore([delivery("a1", "a"), delivery("a2", "a"), delivery("b1", "b")]);
    const transport = {
      send: async ({ url }: { url: string }) => ({ status: url.includes("a.") ? 500 : 200 }),
    };
    await deliverNotifications({ store, transport }, { concurrency: 1 });
    expect(log).toEqual(["failed a1", "released a2", "sent b1"]);
  });

  it("hands back what it has not started when its time is spent", async () => {
    const { store, log } = fakeStore([delivery("a1", "a"), delivery("b1", "b"), delivery("c1", "c")]);
    const transport = {
      send: async () => {
        await new Promise((r) => setTimeout(r, 60));
        return { status: 200 };
      },
    };
    await deliverNotifications({ store, transport }, { concurrency: 1, budgetMs: 30 });
    expect(log).toEqual(["sent a1", "released b1", "released c1"]);
  });
});
