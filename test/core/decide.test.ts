/**
 * The decision rules (@drift/core decide.ts) over a fake DecisionStore: what each outcome reads and writes, and in
 * which order (the database tests prove the SQL and the locks; these prove the rules without one).
 */
import {
  type DecisionStore,
  type DecisionTx,
  decide,
  decideEach,
  type EventOutbox,
  type LockedPlugin,
  type LockedQueueRow,
  type PlatformEvent,
} from "@drift/core";
import { describe, expect, it } from "vitest";

const OLD = "a".repeat(40);
const NEW = "b".repeat(40);

const row = (over: Partial<LockedQueueRow> = {}): LockedQueueRow => ({
  id: "11111111-1111-4111-8111-111111111111",
  workspace_id: "22222222-2222-4222-8222-222222222222",
  plugin_name: "lint",
  current_sha: OLD,
  latest_sha: NEW,
  status: "pending",
  decided_at: null,
  tracked_ref: "tag:latest",
  source_raw: "github://acme/lint",
  ready_at: null,
  cooling: false,
  ...over,
});

const installed = (over: Partial<LockedPlugin> = {}): LockedPlugin => ({
  id: "p1",
  installed_sha: OLD,
  source_raw: "github://acme/lint",
  tracked_ref: "tag:latest",
  ...over,
});

/** A store over one row; `calls` lists what the rules asked of the transaction, in order. */
function fakeStore(
  rows: Record<string, LockedQueueRow>,
  plugin: LockedPlugin | null,
  other: string | null = null,
) {
  const calls: string[] = [];
  const tx: DecisionTx = {
    async lockPlugin() {
      calls.push("lockPlugin");
      return plugin;
    },
    async otherPending() {
      calls.push("otherPending");
      return other;
    },
    async record(_row, record) {
      calls.push(`record ${record.status} ${record.reason ?? record.defaultReason ?? "-"}`);
      return new Date("2026-12-07T10:00:00Z");
    },
    async install(p, sha) {
      calls.push(`install ${p.id} ${sha.slice(0, 4)}`);
    },
    async writeEvent(type) {
      calls.push(`event ${type}`);
    },
  };
  const store: DecisionStore = {
    withLockedRow: (id, _now, body) => body(rows[id] ?? null, tx),
  };
  return { store, calls };
}

describe("decide (rules over the DecisionStore port)", () => {
  it("apply: locks the plugin, installs exactly latest_sha, records, writes the event, in that order", async () => {
    const r = row();
    const { store, calls } = fakeStore({ [r.id]: r }, installed());
    const outcome = await decide(store, r.id, "apply", { decidedBy: "cli" });
    expect(outcome).toMatchObject({ kind: "applied", event: { from_sha: OLD, to_sha: NEW, queue_id: r.id } });
    expect(calls).toEqual([
      "lockPlugin",
      "install p1 bbbb",
      "record applied -",
      "event plugin.update.applied",
    ]);
  });

  it("apply refused when the installed commit moved: nothing written", async () => {
    const r = row();
    const { store, calls } = fakeStore({ [r.id]: r }, installed({ installed_sha: "c".repeat(40) }));
    expect(await decide(store, r.id, "apply")).toMatchObject({
      kind: "conflict",
      code: "installed_sha_changed",
    });
    expect(calls).toEqual(["lockPlugin"]);
  });

  it("apply of a cooling row is refused unless forced, before any lock on the plugin", async () => {
    const r = row({ cooling: true, ready_at: new Date("2026-12-08T00:00:00Z") });
    const { store, calls } = fakeStore({ [r.id]: r }, installed());
    expect(await decide(store, r.id, "apply")).toMatchObject({ code: "cooling_down" });
    expect(calls).toEqual([]);
    expect(await decide(store, r.id, "apply", { force: true })).toMatchObject({ kind: "applied" });
  });

  it("reopen refuses while another pending row exists, and records 'reopened' by default", async () => {
    const r = row({ status: "dismissed" });
    const blocked = fakeStore({ [r.id]: r }, installed(), "33333333-3333-4333-8333-333333333333");
    expect(await decide(blocked.store, r.id, "reopen")).toMatchObject({ code: "pending_exists" });
    expect(blocked.calls).toEqual(["lockPlugin", "otherPending"]);
    const free = fakeStore({ [r.id]: r }, installed());
    expect(await decide(free.store, r.id, "reopen")).toMatchObject({ kind: "reopened" });
    expect(free.calls.at(-1)).toBe("record pending reopened");
  });

  it("decideEach: each id alone, in order; then the outbox drained until empty", async () => {
    const a = row();
    const b = row({ id: "44444444-4444-4444-8444-444444444444", status: "applied" });
    const { store } = fakeStore({ [a.id]: a, [b.id]: b }, installed());
    const drains: number[] = [];
    const outbox: EventOutbox = {
      async drain(publish) {
        drains.push(drains.length);
        if (drains.length > 1) return { published: 0, failed: 0 };
        await publish({
          id: "e1",
          event_type: "plugin.update.applied",
          detail: {},
          created_at: new Date(),
          attempts: 0,
        });
        return { published: 1, failed: 0 };
      },
    };
    const published: PlatformEvent[] = [];
    const changed: string[] = [];
    const missing = "55555555-5555-4555-8555-555555555555";
    const outcomes = await decideEach(
      {
        store,
        outbox,
        notifier: { publish: async (e) => void published.push(e) },
        onDecided: (o) => void changed.push(o.kind),
      },
      [a.id, b.id, missing],
      "apply",
    );
    expect(outcomes.map((o) => o.kind)).toEqual(["applied", "already_applied", "not_found"]);
    expect(changed).toEqual(["applied"]);
    expect(published.map((e) => e.id)).toEqual(["e1"]);
  });
});
