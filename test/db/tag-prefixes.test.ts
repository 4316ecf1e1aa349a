/**
 * Tag prefixes for monorepos (CONTRACT "trust"): `tag:latest:PREFIX` and `semver:RANGE:PREFIX` each follow their own
 * versions, from one tag listing of the repository, shown by their full tag names; a webhook tag push re-checks
 * them; a bad prefix or range is an invalid row, counted.
 */
import { randomUUID } from "node:crypto";
import { listPendingUpdates, putPolicy } from "@drift/db";
import { pushPayload } from "@drift/github-sim";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";
import { cleanWebhookTables, webhookHarness } from "../support/webhooks";

const env = useSweepEnvironment();
beforeEach(async () => {
  await cleanWebhookTables(env.db.sql);
  await env.db.sql`TRUNCATE drift_review_packets, drift_review_compares, drift_event_outbox`;
});

const REPO = "mono/plugins";

describe(`tag prefixes (${dbLabel})`, () => {
  it("lint@, fmt@ and plugins/x/v follow their own versions from one tag listing; a tag push re-checks them", async () => {
    const w = env.sim.world;
    w.createRepo(REPO);
    const tag = (name: string) => {
      w.commit(REPO, undefined, name);
      return w.tag(REPO, name).commit;
    };
    const lint1 = tag("lint@1.0.0");
    const fmt2 = tag("fmt@2.0.0");
    const x1 = tag("plugins/x/v1.0.0");
    const plain = tag("v9.0.0");
    const lint11 = tag("lint@1.1.0");
    tag("fmt@3.0.0"); // outside ^2
    const fmt21 = tag("fmt@2.1.0");
    const x12 = tag("plugins/x/v1.2.0");
    tag("lint@2.0.0-rc.1"); // a prerelease: not latest
    const ws = randomUUID();
    const plugin = (name: string, ref: string, installed: string) => ({
      workspace_id: ws,
      plugin_name: name,
      source_raw: `github://${REPO}`,
      tracked_ref: ref,
      installed_sha: installed,
    });
    await insertPlugins(env.db.sql, [
      plugin("lint", "tag:latest:lint@", lint1),
      plugin("fmt", "semver:^2:fmt@", fmt2),
      plugin("x", "tag:latest:plugins/x/v", x1),
      plugin("plain", "tag:latest", plain),
      plugin("empty", "tag:latest:", lint1),
      plugin("dots", "tag:latest:a..b", lint1),
      plugin("range", "semver:banana:fmt@", lint1),
    ]);
    const saved = await putPolicy(
      env.db.sql,
      { workspace_id: ws, plugin_name: "fmt", auto_apply: "minor" },
      "cli",
    );
    expect(saved.kind).toBe("saved");

    env.sim.resetCounters();
    const summary = await sweep(env.db.sql, env.sim);
    expect(summary.rows).toMatchObject({ invalid: 3 });
    const problems = await env.db.sql<
      { reason: string }[]
    >`SELECT reason FROM drift_row_problems ORDER BY reason`;
    expect(problems.map((p) => p.reason)).toEqual([
      'bad semver range "banana:fmt@"',
      'bad tag prefix ""',
      'bad tag prefix "a..b"',
    ]);
    // One tag listing of the repository served every prefix (and the plain tag:latest).
    const listings = env.sim.requests.filter((r) => r.scope === "graphql" && /refPrefix/.test(r.query ?? ""));
    expect(listings).toHaveLength(1);

    const rows = await listPendingUpdates(env.db.sql);
    const byName = new Map(rows.map((r) => [r.plugin_name, r]));
    expect(byName.get("lint")).toMatchObject({
      latest_sha: lint11,
      from_version: "lint@1.0.0",
      to_version: "lint@1.1.0",
    });
    expect(byName.get("x")).toMatchObject({
      latest_sha: x12,
      from_version: "plugins/x/v1.0.0",
      to_version: "plugins/x/v1.2.0",
    });
    expect(byName.has("plain")).toBe(false); // v9.0.0 is still the highest plain version
    // A minor bump read after the prefix: applied by the plugin's policy.
    const [fmt] = await env.db.sql<{ status: string; latest_sha: string }[]>`
      SELECT status, latest_sha FROM plugin_update_queue WHERE plugin_name = 'fmt'`;
    expect(fmt).toEqual({ status: "applied", latest_sha: fmt21 });

    // A new lint@ tag pushed: the webhook re-checks the prefixed targets of the repository.
    w.commit(REPO, undefined, "lint 1.2.0");
    const lint12 = w.tag(REPO, "lint@1.2.0").commit;
    const h = webhookHarness(env.db.sql, env.sim, { windowMs: 0 });
    const r = await h.deliver(
      "github",
      "push",
      pushPayload(w.repo(REPO), env.sim.url, "refs/tags/lint@1.2.0", null, lint12),
    );
    expect(r.body).toEqual({ targets: 4 });
    await h.idle();
    const [lint] = await env.db.sql<{ latest_sha: string; resolved_tag: string }[]>`
      SELECT latest_sha, resolved_tag FROM plugin_update_queue WHERE plugin_name = 'lint' AND status = 'pending'`;
    expect(lint).toEqual({ latest_sha: lint12, resolved_tag: "lint@1.2.0" });
  });
});
