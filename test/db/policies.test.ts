import { randomUUID } from "node:crypto";
import { putPolicy } from "@drift/db";
import { beforeEach, describe, expect, it } from "vitest";
import { decideIn, policyStepIn } from "../support/decisions";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();
const label = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";
const HOUR = 3600e3;

beforeEach(async () => {
  await env.db.sql`TRUNCATE drift_policies, drift_tag_ledger, drift_target_versions, drift_integrity_events,
    drift_review_packets, drift_review_compares, drift_event_outbox`;
});

const rowOf = async (workspace: string, plugin: string) => {
  const [row] = await env.db.sql<
    { id: string; status: string; ready_at: Date | null; decided_by: string | null; latest_sha: string }[]
  >`SELECT id, status, ready_at, decided_by, latest_sha FROM plugin_update_queue
    WHERE workspace_id = ${workspace} AND plugin_name = ${plugin} ORDER BY created_at DESC LIMIT 1`;
  return row;
};
const installedOf = async (workspace: string, plugin: string) =>
  (
    await env.db.sql<{ installed_sha: string }[]>`
      SELECT installed_sha FROM workspace_plugins WHERE workspace_id = ${workspace} AND plugin_name = ${plugin}`
  )[0]?.installed_sha;
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

describe(`cooling down and auto-apply (${label})`, () => {
  it("a young version waits until its first sighting + the age, then the next sweep applies it only where a policy allows the bump", async () => {
    const w = env.sim.world;
    w.createRepo("pol/lint");
    const v100 = w.tag("pol/lint", "v1.0.0").commit;
    w.commit("pol/lint");
    const v101 = w.tag("pol/lint", "v1.0.1").commit;
    w.release("pol/lint", "v1.0.1"); // mutable: its publication date is the author's, not used
    w.createRepo("pol/fmt");
    const f100 = w.tag("pol/fmt", "v1.0.0").commit;
    w.commit("pol/fmt");
    w.tag("pol/fmt", "v1.1.0");

    const [a, b] = [randomUUID(), randomUUID()];
    await follow(a, "lint", "pol/lint", "tag:latest", v100);
    await follow(a, "pinned-by-plugin", "pol/lint", "tag:latest", v100);
    await follow(a, "fmt", "pol/fmt", "tag:latest", f100);
    await follow(b, "lint", "pol/lint", "tag:latest", v100);
    await policy({ auto_apply: "none" });
    const wsPolicy = await policy({ workspace_id: a, auto_apply: "patch", min_release_age: "2h" });
    await policy({
      workspace_id: a,
      plugin_name: "pinned-by-plugin",
      auto_apply: "none",
      min_release_age: "1h",
    });

    // First seen by the sweep at `seen`: pending, cooling down until seen + 2 h (the plugin policy: + 1 h).
    const seen = Date.parse("2030-01-01T00:00:00Z");
    let clock = seen;
    const opts = { now: () => new Date(clock), minReleaseAgeMs: 4 * HOUR };
    const first = await sweep(env.db.sql, env.sim, opts);
    expect(first.policies).toMatchObject({ autoApplied: 0 });
    const young = await rowOf(a, "lint");
    expect(young?.status).toBe("pending");
    expect(young?.ready_at?.getTime()).toBe(seen + 2 * HOUR);
    expect((await rowOf(a, "pinned-by-plugin"))?.ready_at?.getTime()).toBe(seen + HOUR);
    // No policy of its own: the global one, which sets no age, so DRIFT_MIN_RELEASE_AGE (4 h) applies.
    expect((await rowOf(b, "lint"))?.ready_at?.getTime()).toBe(seen + 4 * HOUR);
    const early = await decideIn(env.db.sql, young?.id as string, "apply", { now: new Date(clock) });
    expect(early).toMatchObject({ kind: "conflict", code: "cooling_down" });

    // Just before ready_at: still nothing; at ready_at the next sweep applies the patch in workspace a only.
    clock = seen + 2 * HOUR - 1000;
    expect((await sweep(env.db.sql, env.sim, opts)).policies.autoApplied).toBe(0);
    clock = seen + 2 * HOUR;
    const ready = await sweep(env.db.sql, env.sim, opts);
    expect(ready.policies.autoApplied).toBe(1);
    expect(await rowOf(a, "lint")).toMatchObject({ status: "applied", decided_by: `policy:${wsPolicy}` });
    expect(await installedOf(a, "lint")).toBe(v101);
    expect((await rowOf(a, "pinned-by-plugin"))?.status).toBe("pending");
    expect((await rowOf(a, "fmt"))?.status).toBe("pending"); // a minor bump under a patch policy
    expect((await rowOf(b, "lint"))?.status).toBe("pending"); // the global policy says none
    const events = await env.db.sql<{ detail: { to_sha: string } }[]>`SELECT detail FROM drift_event_outbox`;
    expect(events.map((e) => e.detail.to_sha)).toEqual([v101]);
    // Forced, a manual apply ignores cooling down.
    const forced = await decideIn(env.db.sql, (await rowOf(b, "lint"))?.id as string, "apply", {
      now: new Date(seen),
      force: true,
    });
    expect(forced.kind).toBe("applied");
  });

  /**
   * Each "never auto-apply" rule alone (CONTRACT "policies"), under `any`: every case is otherwise applicable (a
   * valid signature, a ready row), and the same shape without the rule is applied, so only the rule holds it back.
   */
  const neverApplied: {
    rule: string;
    kind: string;
    arrange: (repo: string, ws: string) => Promise<string>;
  }[] = [
    {
      rule: "tag_moved",
      kind: "tag_moved",
      async arrange(repo, ws) {
        const w = env.sim.world;
        const base = w.tag(repo, "stable").commit;
        await follow(ws, "p", repo, "tag:stable", base);
        w.moveTag(repo, "stable", w.commit(repo, undefined, "moved", { signature: "valid" }));
        return "p";
      },
    },
    {
      rule: "pin_mismatch",
      kind: "pin_mismatch",
      async arrange(repo, ws) {
        const w = env.sim.world;
        const base = w.revParse(w.repo(repo), "refs/heads/main") as string;
        const pinned = w.commit(repo, undefined, "pinned", { signature: "valid" });
        await follow(ws, "p", repo, `sha:${pinned}`, base);
        return "p";
      },
    },
    {
      rule: "an invalid signature",
      kind: "new_version",
      async arrange(repo, ws) {
        const w = env.sim.world;
        const base = w.tag(repo, "v1.0.0").commit;
        await follow(ws, "p", repo, "tag:latest", base);
        w.tag(repo, "v1.0.1", { target: w.commit(repo, undefined, "evil", { signature: "invalid" }) });
        return "p";
      },
    },
    {
      rule: "a signature not looked up",
      kind: "new_version",
      async arrange(repo, ws) {
        const w = env.sim.world;
        const base = w.tag(repo, "v1.0.0").commit;
        await follow(ws, "p", repo, "tag:latest", base);
        w.tag(repo, "v1.0.1", { target: w.commit(repo, undefined, "good", { signature: "valid" }) });
        // The review packet (commit date and signature) cannot be fetched: the signature stays unknown.
        env.sim.faults.add({ kind: "status", status: 500, scope: "graphql", bodyIncludes: "signature" });
        return "p";
      },
    },
  ];
  for (const [i, { rule, kind, arrange }] of neverApplied.entries()) {
    it(`never auto-applies ${rule}, even under \`any\` (that rule alone holds the row)`, async () => {
      const repo = `never/rule${i}`;
      env.sim.world.createRepo(repo);
      const ws = randomUUID();
      const plugin = await arrange(repo, ws);
      await policy({ auto_apply: "any" });
      try {
        await sweep(env.db.sql, env.sim, { now: () => new Date() });
        await sweep(env.db.sql, env.sim, { now: () => new Date() });
      } finally {
        env.sim.faults.clear();
      }
      expect((await rowOf(ws, plugin))?.status).toBe("pending");
      const [row] = await env.db.sql<{ drift_kind: string }[]>`
        SELECT drift_kind FROM plugin_update_queue WHERE workspace_id = ${ws} AND plugin_name = ${plugin}`;
      expect(row?.drift_kind).toBe(kind);
    });
  }

  it("the control: a new version with a valid signature is applied under `any`", async () => {
    const w = env.sim.world;
    w.createRepo("never/control");
    const ws = randomUUID();
    await follow(ws, "p", "never/control", "tag:latest", w.tag("never/control", "v1.0.0").commit);
    const next = w.commit("never/control", undefined, "good", { signature: "valid" });
    w.tag("never/control", "v1.0.1", { target: next });
    await policy({ auto_apply: "any" });
    await sweep(env.db.sql, env.sim, { now: () => new Date() });
    await sweep(env.db.sql, env.sim, { now: () => new Date() });
    expect(await rowOf(ws, "p")).toMatchObject({
      status: "applied",
      decided_by: expect.stringMatching(/^policy:/),
    });
    expect(await installedOf(ws, "p")).toBe(next);
  });

  it("auto-apply racing manual apply and dismiss ends in one valid serial order", async () => {
    const w = env.sim.world;
    w.createRepo("race/kit");
    const v1 = w.tag("race/kit", "v1.0.0").commit;
    w.commit("race/kit");
    const v2 = w.tag("race/kit", "v1.0.1").commit;
    const plugins = Array.from({ length: 8 }, (_, i) => ({ ws: randomUUID(), name: `p${i}` }));
    for (const p of plugins) await follow(p.ws, p.name, "race/kit", "tag:latest", v1);
    const summary = await sweep(env.db.sql, env.sim);
    expect(summary.drift.new).toBe(plugins.length);
    const policyId = await policy({ auto_apply: "patch" });
    const rows = await Promise.all(plugins.map((p) => rowOf(p.ws, p.name)));
    const [targetKey] = (
      await env.db.sql<{ target_key: string }[]>`SELECT DISTINCT target_key FROM plugin_update_queue`
    ).map((r) => r.target_key);
    const step = policyStepIn(env.db.sql, { defaultAgeMs: 0 });
    const manual = rows.map((r, i) =>
      decideIn(env.db.sql, r?.id as string, i % 2 ? "apply" : "dismiss", { decidedBy: "cli" }),
    );
    await Promise.all([step([targetKey as string]), ...manual]);

    const outbox = await env.db.sql<
      { detail: { queue_id: string } }[]
    >`SELECT detail FROM drift_event_outbox`;
    for (const [i, p] of plugins.entries()) {
      const row = await rowOf(p.ws, p.name);
      const installed = await installedOf(p.ws, p.name);
      const events = outbox.filter((e) => e.detail.queue_id === row?.id).length;
      if (row?.status === "applied") {
        expect(installed).toBe(v2);
        expect(events).toBe(1);
        expect([`policy:${policyId}`, "cli"]).toContain(row.decided_by);
        if (row.decided_by === "cli") expect(i % 2).toBe(1);
      } else {
        expect(row).toMatchObject({ status: "dismissed", decided_by: "cli" });
        expect(installed).toBe(v1);
        expect(events).toBe(0);
      }
    }
  });
});
