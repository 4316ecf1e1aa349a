import { randomUUID } from "node:crypto";
import { listIntegrityEvents, putPolicy } from "@drift/db";
import { beforeEach, describe, expect, it } from "vitest";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();
const label = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";

beforeEach(async () => {
  await env.db.sql`TRUNCATE drift_policies, drift_tag_ledger, drift_target_versions, drift_integrity_events,
    drift_review_packets, drift_review_compares, drift_event_outbox`;
});

const events = () =>
  env.db.sql<
    {
      kind: string;
      tag: string;
      previous_sha: string | null;
      new_sha: string | null;
      target_key: string | null;
    }[]
  >`
    SELECT kind, tag, previous_sha, new_sha, target_key FROM drift_integrity_events ORDER BY detected_at, kind`;

describe(`tag-integrity ledger (${label})`, () => {
  it("a re-pointed, a deleted and a re-created tag each make exactly one event and the metric", async () => {
    const w = env.sim.world;
    w.createRepo("ledger/kit");
    const v1 = w.tag("ledger/kit", "v1.0.0", { annotated: true }).commit;
    w.commit("ledger/kit");
    w.tag("ledger/kit", "v1.1.0");
    const ws = randomUUID();
    // Two observers of the same tag: a fixed tag:v1.0.0 and the tag list of tag:latest.
    await insertPlugins(env.db.sql, [
      {
        workspace_id: ws,
        plugin_name: "fixed",
        source_raw: "github://ledger/kit",
        tracked_ref: "tag:v1.0.0",
        installed_sha: v1,
      },
      {
        workspace_id: ws,
        plugin_name: "latest",
        source_raw: "github://ledger/kit",
        tracked_ref: "tag:latest",
        installed_sha: v1,
      },
    ]);
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);
    expect(await events()).toEqual([]);

    const moved = w.commit("ledger/kit", "side");
    w.moveTag("ledger/kit", "v1.0.0", moved);
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(1);
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);
    expect(await events()).toEqual([
      { kind: "tag_repointed", tag: "v1.0.0", previous_sha: v1, new_sha: moved, target_key: null },
    ]);

    w.deleteTag("ledger/kit", "v1.0.0");
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(1);
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);
    w.tag("ledger/kit", "v1.0.0", { target: moved });
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(1);
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);
    expect((await events()).map((e) => [e.kind, e.tag, e.previous_sha, e.new_sha])).toEqual([
      ["tag_repointed", "v1.0.0", v1, moved],
      ["tag_deleted", "v1.0.0", moved, null],
      ["tag_recreated", "v1.0.0", moved, moved],
    ]);
    const [ledger] = await env.db.sql<{ commit_sha: string; deleted_at: Date | null }[]>`
      SELECT commit_sha, deleted_at FROM drift_tag_ledger WHERE tag = 'v1.0.0'`;
    expect(ledger).toEqual({ commit_sha: moved, deleted_at: null });
  });

  it("keeps the tag object; a tag re-created as a new annotated object on the same commit is flagged once", async () => {
    const w = env.sim.world;
    w.createRepo("ledger/obj");
    const first = w.tag("ledger/obj", "v1.0.0", { annotated: true });
    const light = w.tag("ledger/obj", "v0.9.0", { target: w.commit("ledger/obj", "old") });
    const ws = randomUUID();
    await insertPlugins(env.db.sql, [
      {
        workspace_id: ws,
        plugin_name: "fixed",
        source_raw: "github://ledger/obj",
        tracked_ref: "tag:v1.0.0",
        installed_sha: first.commit,
      },
      {
        workspace_id: ws,
        plugin_name: "latest",
        source_raw: "github://ledger/obj",
        tracked_ref: "tag:latest",
        installed_sha: first.commit,
      },
    ]);
    const ledger = () =>
      env.db.sql<{ tag: string; commit_sha: string; tag_object: string | null }[]>`
        SELECT tag, commit_sha, tag_object FROM drift_tag_ledger WHERE repo_key LIKE '%ledger/obj' ORDER BY tag`;
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);
    expect(await ledger()).toEqual([
      { tag: "v0.9.0", commit_sha: light.commit, tag_object: null },
      { tag: "v1.0.0", commit_sha: first.commit, tag_object: first.ref },
    ]);

    // Deleted and made again, between two sweeps, as a new annotated tag of the very same commit.
    w.deleteTag("ledger/obj", "v1.0.0");
    const again = w.tag("ledger/obj", "v1.0.0", { annotated: true, target: first.commit });
    expect(again.commit).toBe(first.commit);
    expect(again.ref).not.toBe(first.ref);
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(1);
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);
    expect(await events()).toEqual([
      {
        kind: "tag_recreated",
        tag: "v1.0.0",
        previous_sha: first.commit,
        new_sha: first.commit,
        target_key: null,
      },
    ]);
    const [listed] = await listIntegrityEvents(env.db.sql);
    expect(listed).toMatchObject({ previous_tag_object: first.ref, tag_object: again.ref });
    expect((await ledger())[1]).toEqual({ tag: "v1.0.0", commit_sha: first.commit, tag_object: again.ref });
    // The same commit never made a drift: nothing was queued.
    expect((await env.db.sql`SELECT 1 FROM plugin_update_queue WHERE workspace_id = ${ws}`).length).toBe(0);
  });

  it("a deleted release never becomes a silent downgrade (flagged, and never auto-applied)", async () => {
    const w = env.sim.world;
    w.createRepo("ledger/down");
    w.tag("ledger/down", "v1.0.0");
    w.commit("ledger/down");
    const v11 = w.tag("ledger/down", "v1.1.0").commit;
    const ws = randomUUID();
    await insertPlugins(env.db.sql, [
      {
        workspace_id: ws,
        plugin_name: "down",
        source_raw: "github://ledger/down",
        tracked_ref: "tag:latest",
        installed_sha: v11,
      },
    ]);
    await putPolicy(env.db.sql, { auto_apply: "major" }, "cli");
    await sweep(env.db.sql, env.sim);
    w.deleteTag("ledger/down", "v1.1.0");
    const after = await sweep(env.db.sql, env.sim);
    await sweep(env.db.sql, env.sim);
    expect(after.policies).toMatchObject({ integrityEvents: 2, autoApplied: 0 });
    const [pending] = await env.db.sql<
      { status: string; latest_sha: string; resolved_tag: string; target_key: string }[]
    >`
      SELECT status, latest_sha, resolved_tag, target_key FROM plugin_update_queue`;
    expect(pending).toMatchObject({ status: "pending", resolved_tag: "v1.0.0" });
    const found = await events();
    expect(found.map((e) => e.kind).sort()).toEqual(["tag_deleted", "version_downgrade"]);
    expect(found.find((e) => e.kind === "version_downgrade")).toMatchObject({
      target_key: pending?.target_key,
      previous_sha: v11,
      new_sha: pending?.latest_sha,
    });
  });
});
