/**
 * Trust that cannot be forged (issue 21): the cooldown's clock is this sweeper's first sighting of a commit (or an
 * immutable release's publication), never a date the repository's author wrote; `require` and trust downgrades.
 */
import { randomUUID } from "node:crypto";
import { Metric } from "@drift/core";
import { listIntegrityEvents, listPendingUpdates, putPolicy } from "@drift/db";
import { refreshReadyAt } from "@drift/db/internal/policies/policy-sweep";
import { pushPayload } from "@drift/github-sim";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { policyStepIn } from "../support/decisions";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";
import { cleanWebhookTables, webhookHarness } from "../support/webhooks";

const env = useSweepEnvironment();
const HOUR = 3600e3;
const DAY = 24 * HOUR;
const SEEN = Date.parse("2030-01-01T00:00:00Z");

beforeEach(async () => {
  await cleanWebhookTables(env.db.sql);
  await env.db.sql`TRUNCATE drift_review_packets, drift_review_compares, drift_event_outbox`;
});

type Row = {
  id: string;
  status: string;
  ready_at: Date | null;
  decided_by: string | null;
  target_key: string;
};
const rowOf = async (workspace: string, plugin: string) => {
  const [row] = await env.db.sql<Row[]>`
    SELECT id, status, ready_at, decided_by, target_key FROM plugin_update_queue
    WHERE workspace_id = ${workspace} AND plugin_name = ${plugin} ORDER BY created_at DESC LIMIT 1`;
  return row;
};
const listed = async (workspace: string, plugin: string) =>
  (await listPendingUpdates(env.db.sql)).find(
    (r) => r.workspace_id === workspace && r.plugin_name === plugin,
  );
const follow = (workspace: string, plugin: string, repo: string, ref: string, installed: string) =>
  insertPlugins(env.db.sql, [
    {
      workspace_id: workspace,
      plugin_name: plugin,
      source_raw: `github://${repo}`,
      tracked_ref: ref,
      installed_sha: installed,
    },
  ]);
const policy = async (input: Parameters<typeof putPolicy>[1]) => {
  const saved = await putPolicy(env.db.sql, input, "cli");
  if (saved.kind !== "saved") throw new Error(saved.kind);
  return saved.policy.id;
};
const trustEvents = () =>
  env.db.sql<{ tag: string; previous_trust: string; trust: string; new_sha: string }[]>`
    SELECT tag, previous_trust, trust, new_sha FROM drift_integrity_events WHERE kind = 'trust_downgrade'`;

describe(`the cooldown's clock (${dbLabel})`, () => {
  it("a new tag on a commit backdated two years waits for first sighting + 3 days under a patch policy", async () => {
    const w = env.sim.world;
    const twoYearsAgo = new Date(SEEN - 730 * DAY).toISOString();
    w.createRepo("clock/back");
    const v1 = w.tag("clock/back", "v1.0.0").commit;
    const evil = w.commit("clock/back", undefined, "backdated", { date: twoYearsAgo });
    w.tag("clock/back", "v1.0.1", { target: evil, annotated: true, date: twoYearsAgo });
    const ws = randomUUID();
    await follow(ws, "p", "clock/back", "tag:latest", v1);
    const pol = await policy({ auto_apply: "patch", min_release_age: "3d" });

    let clock = SEEN;
    const opts = { now: () => new Date(clock) };
    expect((await sweep(env.db.sql, env.sim, opts)).policies.autoApplied).toBe(0);
    expect((await rowOf(ws, "p"))?.ready_at?.getTime()).toBe(SEEN + 3 * DAY);
    // The author's dates are shown (labelled as theirs), never used.
    expect(await listed(ws, "p")).toMatchObject({
      committed_at: new Date(twoYearsAgo),
      tagged_at: new Date(twoYearsAgo),
      first_seen_at: new Date(SEEN),
      trust: "none",
      trust_downgrade: false,
    });
    // A later sighting never moves the clock.
    clock = SEEN + DAY;
    await sweep(env.db.sql, env.sim, opts);
    expect((await listed(ws, "p"))?.first_seen_at).toEqual(new Date(SEEN));
    clock = SEEN + 3 * DAY - 1000;
    expect((await sweep(env.db.sql, env.sim, opts)).policies.autoApplied).toBe(0);
    clock = SEEN + 3 * DAY;
    expect((await sweep(env.db.sql, env.sim, opts)).policies.autoApplied).toBe(1);
    expect(await rowOf(ws, "p")).toMatchObject({ status: "applied", decided_by: `policy:${pol}` });
  });

  it("a release re-pointed to a new tag does not lend its old published_at; an immutable release's is used", async () => {
    const w = env.sim.world;
    w.createRepo("clock/repoint");
    const r1 = w.tag("clock/repoint", "v1.0.0").commit;
    const old = w.release("clock/repoint", "v1.0.0"); // published long ago (2024)
    w.commit("clock/repoint");
    w.tag("clock/repoint", "v1.0.1");
    w.repointRelease("clock/repoint", "v1.0.0", "v1.0.1");
    w.createRepo("clock/immutable");
    const i1 = w.tag("clock/immutable", "v1.0.0").commit;
    const next = w.commit("clock/immutable");
    w.tag("clock/immutable", "v1.0.1", { target: next });
    const published = w.release("clock/immutable", "v1.0.1", { immutable: true }).publishedAt as string;
    // GitHub refuses to move the tag of an immutable release; so does the simulator.
    expect(() => w.moveTag("clock/immutable", "v1.0.1", i1)).toThrow(/immutable/);
    const ws = randomUUID();
    await follow(ws, "repointed", "clock/repoint", "tag:latest", r1);
    await follow(ws, "immutable", "clock/immutable", "tag:latest", i1);
    await policy({ auto_apply: "patch", min_release_age: "3d" });

    const summary = await sweep(env.db.sql, env.sim, { now: () => new Date(SEEN) });
    const repointed = await listed(ws, "repointed");
    expect(repointed?.release).toMatchObject({
      tag: "v1.0.1",
      published_at: old.publishedAt,
      immutable: false,
    });
    expect(repointed?.ready_at?.getTime()).toBe(SEEN + 3 * DAY);
    expect(repointed?.trust).toBe("none");
    // Vouched for by the host: published in 2024 + 3 days is long past, so the first sweep applied it.
    expect(summary.policies.autoApplied).toBe(1);
    const immutable = await rowOf(ws, "immutable");
    expect(immutable?.status).toBe("applied");
    expect(immutable?.ready_at?.getTime()).toBe(Date.parse(published) + 3 * DAY);
    // The release's immutability came from REST, one request per tag with a release (GraphQL has no such field).
    expect(env.sim.requests.filter((r) => r.path.includes("/releases/tags/")).length).toBeLessThanOrEqual(2);
  });

  it("the migration gives no pending row an earlier ready_at than the old rule did", async () => {
    const w = env.sim.world;
    w.createRepo("clock/migrate");
    const m1 = w.tag("clock/migrate", "v1.0.0").commit;
    w.commit("clock/migrate");
    w.tag("clock/migrate", "v1.0.1");
    const ws = randomUUID();
    await follow(ws, "p", "clock/migrate", "tag:latest", m1);
    await sweep(env.db.sql, env.sim, { now: () => new Date(SEEN) });
    // As before migration 014: no sighting, and a packet whose (author's) commit date lies in the future.
    const future = new Date(Date.now() + 400 * DAY);
    await env.db.sql`DELETE FROM drift_commit_sightings`;
    await env.db
      .sql`UPDATE drift_review_packets SET committed_at = ${future}, tagged_at = NULL, release = NULL`;
    const oldRule = async () =>
      (
        await env.db.sql<{ basis: Date }[]>`
          SELECT coalesce(drift_timestamptz(p.release->>'published_at'), p.tagged_at, p.committed_at, q.updated_at)
            AS basis
          FROM plugin_update_queue q JOIN drift_review_packets p ON p.target_key = q.target_key
          WHERE q.status = 'pending'`
      )[0]?.basis;
    const before = await oldRule();
    const { MIGRATIONS } = await import("../../packages/db/src/migrations/index");
    const sql014 = MIGRATIONS.find((m) => m.id === "014_trust")?.sql as string;
    await env.db.sql.unsafe(sql014).simple();
    await env.db.sql.unsafe(sql014).simple(); // idempotent
    const row = await rowOf(ws, "p");
    await refreshReadyAt(env.db.sql, [row?.target_key as string], 3 * DAY);
    const after = await rowOf(ws, "p");
    expect(before).toEqual(future);
    expect(after?.ready_at?.getTime()).toBe(future.getTime() + 3 * DAY);
  });
});

describe(`trust: require and downgrades (${dbLabel})`, () => {
  it("require: immutable accepts only an immutable release; signed accepts signed or immutable", async () => {
    const w = env.sim.world;
    const repo = (name: string, make: (r: string) => void) => {
      w.createRepo(name);
      const base = w.tag(name, "v1.0.0").commit;
      make(name);
      return base;
    };
    const signed = repo("req/signed", (r) => {
      w.commit(r, undefined, "signed", { signature: "valid" });
      w.tag(r, "v1.0.1");
    });
    const immutable = repo("req/immutable", (r) => {
      w.commit(r);
      w.tag(r, "v1.0.1");
      w.release(r, "v1.0.1", { immutable: true });
    });
    const plain = repo("req/plain", (r) => {
      w.commit(r);
      w.tag(r, "v1.0.1");
      w.release(r, "v1.0.1");
    });
    const ws = randomUUID();
    const cases = [
      ["imm-on-signed", "req/signed", signed, "immutable", "pending", "signed"],
      ["imm-on-imm", "req/immutable", immutable, "immutable", "applied", "immutable_release"],
      ["signed-on-signed", "req/signed", signed, "signed", "applied", "signed"],
      ["signed-on-imm", "req/immutable", immutable, "signed", "applied", "immutable_release"],
      ["signed-on-plain", "req/plain", plain, "signed", "pending", "none"],
      ["none-on-plain", "req/plain", plain, "none", "applied", "none"],
    ] as const;
    for (const [plugin, name, base, require] of cases) {
      await follow(ws, plugin, name, "tag:latest", base);
      await policy({ workspace_id: ws, plugin_name: plugin, auto_apply: "patch", require });
    }
    const trusts = new Map<string, string | null>();
    const step = policyStepIn(env.db.sql, { defaultAgeMs: 0 });
    await sweep(env.db.sql, env.sim);
    for (const [plugin] of cases) {
      const row = await rowOf(ws, plugin);
      const shown = (await listPendingUpdates(env.db.sql)).find((r) => r.id === row?.id);
      if (shown) trusts.set(plugin, shown.trust);
      await step([row?.target_key as string]);
    }
    for (const [plugin, , , , status] of cases)
      expect((await rowOf(ws, plugin))?.status, plugin).toBe(status);
    for (const [plugin, , , , status, trust] of cases)
      if (status === "pending") expect(trusts.get(plugin), plugin).toBe(trust);
  });

  it("a signed or immutable v1.2.0 followed by an unsigned v1.2.1: trust_downgrade, one event, no auto-apply", async () => {
    const w = env.sim.world;
    w.createRepo("down/signed");
    const s110 = w.tag("down/signed", "v1.1.0").commit;
    w.commit("down/signed", undefined, "signed", { signature: "valid" });
    const s120 = w.tag("down/signed", "v1.2.0").commit;
    w.createRepo("down/immutable");
    const i110 = w.tag("down/immutable", "v1.1.0").commit;
    w.commit("down/immutable");
    w.tag("down/immutable", "v1.2.0");
    w.release("down/immutable", "v1.2.0", { immutable: true });
    const ws = randomUUID();
    await follow(ws, "signed", "down/signed", "tag:latest", s110);
    await follow(ws, "immutable", "down/immutable", "tag:latest", i110);
    await policy({ auto_apply: "minor" });

    expect((await sweep(env.db.sql, env.sim)).policies.autoApplied).toBe(2);
    const unsigned = w.commit("down/signed", undefined, "unsigned");
    w.tag("down/signed", "v1.2.1", { target: unsigned });
    w.commit("down/immutable", undefined, "unsigned");
    w.tag("down/immutable", "v1.2.1");
    const second = await sweep(env.db.sql, env.sim);
    expect(second.policies).toMatchObject({ autoApplied: 0, integrityEvents: 2 });
    expect(await listed(ws, "signed")).toMatchObject({
      current_sha: s120,
      to_version: "v1.2.1",
      trust: "none",
      trust_downgrade: true,
      suspicious: true,
    });
    expect((await listed(ws, "immutable"))?.trust_downgrade).toBe(true);
    const events = await trustEvents();
    expect(events.map((e) => [e.tag, e.previous_trust, e.trust]).sort()).toEqual([
      ["v1.2.1", "immutable_release", "none"],
      ["v1.2.1", "signed", "none"],
    ]);
    // Once per (target, commit): another sweep, or the message delivered again, records nothing more.
    expect((await sweep(env.db.sql, env.sim)).policies).toMatchObject({ autoApplied: 0, integrityEvents: 0 });
    const row = await rowOf(ws, "signed");
    expect(await policyStepIn(env.db.sql, { defaultAgeMs: 0 })([row?.target_key as string])).toEqual({
      autoApplied: 0,
      coolingDown: 0,
    });
    expect(await trustEvents()).toHaveLength(2);
    // Listed beside the tag events (GET /admin/integrity-events, drift integrity).
    const listed2 = (await listIntegrityEvents(env.db.sql)).filter((e) => e.kind === "trust_downgrade");
    expect(listed2.map((e) => e.previous_trust).sort()).toEqual(["immutable_release", "signed"]);
  });

  it("a downgrade a webhook re-check finds first is recorded once, with its metric; the next sweep adds none", async () => {
    const w = env.sim.world;
    const repo = "down/hook";
    w.createRepo(repo);
    const v110 = w.tag(repo, "v1.1.0").commit;
    w.commit(repo, undefined, "signed", { signature: "valid" });
    const v120 = w.tag(repo, "v1.2.0").commit;
    const ws = randomUUID();
    await follow(ws, "p", repo, "tag:latest", v110);
    await policy({ auto_apply: "minor" });
    expect((await sweep(env.db.sql, env.sim)).policies.autoApplied).toBe(1);

    w.commit(repo, undefined, "unsigned");
    const v121 = w.tag(repo, "v1.2.1").commit;
    const h = webhookHarness(env.db.sql, env.sim, { windowMs: 0, policies: true });
    const payload = pushPayload(w.repo(repo), env.sim.url, "refs/tags/v1.2.1", null, v121);
    expect((await h.deliver("github", "push", payload)).body).toEqual({ targets: 1 });
    await h.idle();
    expect(await trustEvents()).toEqual([
      { tag: "v1.2.1", previous_trust: "signed", trust: "none", new_sha: v121 },
    ]);
    expect(h.metrics.byDimension(Metric.IntegrityEvents, "IntegrityKind")).toEqual({ trust_downgrade: 1 });
    expect(await rowOf(ws, "p")).toMatchObject({ status: "pending" });
    expect((await listed(ws, "p"))?.current_sha).toBe(v120);
    // Another delivery of a push for the same tag, and the next sweep: nothing more.
    await h.deliver("github", "push", payload);
    await h.idle();
    expect((await sweep(env.db.sql, env.sim)).policies).toMatchObject({ autoApplied: 0, integrityEvents: 0 });
    expect(await trustEvents()).toHaveLength(1);
  });
});
