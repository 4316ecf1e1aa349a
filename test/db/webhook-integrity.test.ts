/**
 * Webhook re-checks run the tag-integrity ledger like sweep messages do: a push that re-points a followed tag
 * records the integrity event (and its metric) at once, with the re-check's id, not an hour later.
 */
import { Metric } from "@drift/core";
import { pushPayload } from "@drift/github-sim";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { cleanWebhookTables, headOf, trackPlugins, webhookHarness } from "../support/webhooks";

const env = useSweepEnvironment();
beforeEach(() => cleanWebhookTables(env.db.sql));

describe(`webhook re-checks and the tag-integrity ledger (${dbLabel})`, () => {
  it("a push that re-points a followed tag records one tag_repointed event carrying the re-check id", async () => {
    const repo = "whl/kit";
    const w = env.sim.world;
    w.createRepo(repo);
    const v1 = w.tag(repo, "v1.0.0").commit;
    await trackPlugins(env.db.sql, w, repo, { fixed: "tag:v1.0.0" });
    // The first sighting (a sweep) fills the ledger and makes no event.
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);

    const moved = w.moveTag(repo, "v1.0.0", w.commit(repo, "side")).commit;
    const h = webhookHarness(env.db.sql, env.sim, { windowMs: 0 });
    const r = await h.deliver(
      "github",
      "push",
      pushPayload(w.repo(repo), env.sim.url, "refs/tags/v1.0.0", v1, moved),
    );
    expect(r.body).toEqual({ targets: 1 });
    await h.idle();

    const events = await env.db.sql<
      { kind: string; previous_sha: string; new_sha: string; sweep_id: string }[]
    >`
      SELECT kind, previous_sha, new_sha, sweep_id::text FROM drift_integrity_events WHERE tag = 'v1.0.0'`;
    const [recheck] = await env.db.sql<{ id: string }[]>`SELECT id::text FROM drift_rechecks`;
    expect(events).toEqual([
      { kind: "tag_repointed", previous_sha: v1, new_sha: moved, sweep_id: recheck?.id },
    ]);
    expect(h.metrics.byDimension(Metric.IntegrityEvents, "IntegrityKind")).toEqual({ tag_repointed: 1 });
    expect(headOf(w, repo, "v1.0.0")).toBe(moved);
    // The next sweep sees the same commit: no second event.
    expect((await sweep(env.db.sql, env.sim)).policies.integrityEvents).toBe(0);
  });
});
