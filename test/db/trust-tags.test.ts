/**
 * Trust, completed (issue 21, CONTRACT "trust"): a valid signature on the annotated tag counts as `signed` (the
 * commit's own need not be), an invalid one does not, and losing it is a trust downgrade; packets stored before
 * the tag's signature and the release's immutability were looked up are fetched once more, so their trust becomes
 * known.
 */
import { randomUUID } from "node:crypto";
import { listPendingUpdates, putPolicy } from "@drift/db";
import { PACKET_VERSION } from "@drift/db/internal/queue/review-store";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();
beforeEach(async () => {
  await env.db.sql`TRUNCATE drift_review_packets, drift_review_compares, drift_event_outbox`;
});

const follow = (workspace: string, plugin: string, source: string, installed: string) =>
  insertPlugins(env.db.sql, [
    {
      workspace_id: workspace,
      plugin_name: plugin,
      source_raw: source,
      tracked_ref: "tag:latest",
      installed_sha: installed,
    },
  ]);
const rowOf = async (workspace: string, plugin: string) =>
  (await listPendingUpdates(env.db.sql)).find(
    (r) => r.workspace_id === workspace && r.plugin_name === plugin,
  );
const statusOf = async (workspace: string, plugin: string) =>
  (
    await env.db.sql<{ status: string; decided_by: string | null }[]>`
      SELECT status, decided_by FROM plugin_update_queue WHERE workspace_id = ${workspace} AND plugin_name = ${plugin}
      ORDER BY created_at DESC LIMIT 1`
  )[0];
const policy = async (input: Parameters<typeof putPolicy>[1]) => {
  const saved = await putPolicy(env.db.sql, input, "test");
  if (saved.kind !== "saved") throw new Error(saved.kind);
  return saved.policy.id;
};
const tagLookups = () => env.sim.requests.filter((r) => r.path.includes("/git/tags/")).length;

describe(`the annotated tag's signature (${dbLabel})`, () => {
  it("a signed tag on an unsigned commit is `signed` and meets require: signed; an invalid one does not", async () => {
    const w = env.sim.world;
    const ws = randomUUID();
    const repo = (name: string, signature?: "valid" | "invalid") => {
      w.createRepo(name);
      const base = w.tag(name, "v1.0.0").commit;
      const unsigned = w.commit(name, undefined, "unsigned commit");
      w.tag(name, "v1.0.1", { target: unsigned, annotated: true, ...(signature ? { signature } : {}) });
      return base;
    };
    const cases = [
      ["gh-signed", `github://tags/signed`, repo("tags/signed", "valid"), "signed", "applied"],
      ["gh-invalid", `github://tags/invalid`, repo("tags/invalid", "invalid"), "none", "pending"],
      ["gh-unsigned", `github://tags/unsigned`, repo("tags/unsigned"), "none", "pending"],
      [
        "gitea-signed",
        `gitea://${env.sim.host}/tags/gitea`,
        repo("tags/gitea", "valid"),
        "signed",
        "applied",
      ],
    ] as const;
    const ids = new Map<string, string>();
    for (const [plugin, source, base] of cases) {
      await follow(ws, plugin, source, base);
      ids.set(
        plugin,
        await policy({ workspace_id: ws, plugin_name: plugin, auto_apply: "patch", require: "signed" }),
      );
    }
    env.sim.resetCounters();
    const summary = await sweep(env.db.sql, env.sim);
    expect(summary.policies.autoApplied).toBe(2);
    for (const [plugin, , , trust, status] of cases) {
      expect(await statusOf(ws, plugin), plugin).toMatchObject({
        status,
        decided_by: status === "applied" ? `policy:${ids.get(plugin)}` : null,
      });
      if (status === "pending")
        expect(await rowOf(ws, plugin), plugin).toMatchObject({
          signature: "unsigned",
          tag_signature: plugin === "gh-invalid" ? "invalid" : "unsigned",
          trust,
          trust_downgrade: false,
        });
    }
    // GitHub: one REST lookup per annotated tag (GraphQL's schema cannot carry it); Gitea's peel already said.
    expect(env.sim.requests.filter((r) => r.scope === "rest" && r.path.includes("/git/tags/")).length).toBe(
      3,
    );
    expect(env.sim.requests.filter((r) => r.scope === "gitea" && r.path.includes("/git/tags/")).length).toBe(
      1,
    );
    // Stored once: the next sweep asks GitHub nothing more (Gitea's resolution peels, as it always did).
    env.sim.resetCounters();
    await sweep(env.db.sql, env.sim);
    expect(env.sim.requests.filter((r) => r.scope === "rest" && r.path.includes("/git/tags/"))).toEqual([]);
  });

  it("a signed tag followed by an unsigned tag: trust_downgrade, one event, no auto-apply", async () => {
    const w = env.sim.world;
    const name = "tags/down";
    w.createRepo(name);
    const v110 = w.tag(name, "v1.1.0").commit;
    const v120 = w.tag(name, "v1.2.0", {
      target: w.commit(name),
      annotated: true,
      signature: "valid",
    }).commit;
    const ws = randomUUID();
    await follow(ws, "p", `github://${name}`, v110);
    await policy({ auto_apply: "minor" });
    expect((await sweep(env.db.sql, env.sim)).policies.autoApplied).toBe(1);
    expect(await statusOf(ws, "p")).toMatchObject({ status: "applied" });

    const v121 = w.tag(name, "v1.2.1", { target: w.commit(name), annotated: true }).commit;
    expect((await sweep(env.db.sql, env.sim)).policies).toMatchObject({ autoApplied: 0, integrityEvents: 1 });
    expect(await rowOf(ws, "p")).toMatchObject({
      current_sha: v120,
      latest_sha: v121,
      trust: "none",
      trust_downgrade: true,
      suspicious: true,
    });
    const events = await env.db.sql`
      SELECT tag, previous_trust, trust FROM drift_integrity_events WHERE kind = 'trust_downgrade'`;
    expect(events).toEqual([{ tag: "v1.2.1", previous_trust: "signed", trust: "none" }]);
    expect((await sweep(env.db.sql, env.sim)).policies).toMatchObject({ autoApplied: 0, integrityEvents: 0 });
  });
});

describe(`packets stored before trust was complete (${dbLabel})`, () => {
  it("are fetched once more, so an immutable release or a signed tag counts; then never again", async () => {
    const w = env.sim.world;
    w.createRepo("old/imm");
    const i1 = w.tag("old/imm", "v1.0.0").commit;
    w.tag("old/imm", "v1.0.1", { target: w.commit("old/imm") });
    w.release("old/imm", "v1.0.1", { immutable: true });
    w.createRepo("old/tag");
    const t1 = w.tag("old/tag", "v1.0.0").commit;
    w.tag("old/tag", "v1.0.1", { target: w.commit("old/tag"), annotated: true, signature: "valid" });
    const ws = randomUUID();
    await follow(ws, "imm", "github://old/imm", i1);
    await follow(ws, "tag", "github://old/tag", t1);
    await sweep(env.db.sql, env.sim);
    expect((await rowOf(ws, "imm"))?.trust).toBe("immutable_release");
    expect((await rowOf(ws, "tag"))?.trust).toBe("signed");

    // As a packet stored before migration 014 (no `immutable`) and 020 (no tag signature, version 1) looks.
    await env.db.sql`UPDATE drift_review_packets
      SET packet_version = 1, tag_signature = NULL, release = release - 'immutable'`;
    expect((await rowOf(ws, "imm"))?.release?.immutable).toBeNull();
    expect((await rowOf(ws, "imm"))?.trust).toBe("none");
    expect((await rowOf(ws, "tag"))?.trust).toBe("none");

    // A refresh that fails keeps what the packet had, and counts the attempt.
    env.sim.faults.add({ kind: "status", status: 500, scope: "graphql", bodyIncludes: "ReviewPackets" });
    await sweep(env.db.sql, env.sim);
    env.sim.faults.clear();
    const kept = await env.db.sql<{ status: string; packet_version: number; attempts: number }[]>`
      SELECT status, packet_version, attempts FROM drift_review_packets`;
    expect(kept).toEqual([
      { status: "complete", packet_version: 1, attempts: 1 },
      { status: "complete", packet_version: 1, attempts: 1 },
    ]);
    expect((await rowOf(ws, "tag"))?.committed_at).not.toBeNull();

    env.sim.resetCounters();
    await sweep(env.db.sql, env.sim);
    expect((await rowOf(ws, "imm"))?.release?.immutable).toBe(true);
    expect((await rowOf(ws, "imm"))?.trust).toBe("immutable_release");
    expect((await rowOf(ws, "tag"))?.trust).toBe("signed");
    const versions = await env.db.sql`SELECT DISTINCT packet_version FROM drift_review_packets`;
    expect(versions).toEqual([{ packet_version: PACKET_VERSION }]);
    expect(tagLookups()).toBe(1);

    env.sim.resetCounters();
    await sweep(env.db.sql, env.sim);
    const packetQueries = env.sim.requests.filter((r) => r.query?.includes("ReviewPackets")).length;
    expect({ packetQueries, tagLookups: tagLookups() }).toEqual({ packetQueries: 0, tagLookups: 0 });
  });
});
