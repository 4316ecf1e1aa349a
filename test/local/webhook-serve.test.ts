/**
 * Webhooks as `drift serve` runs them (the admin app and the webhook app on one HTTP server, the simulator sending
 * signed deliveries over the network), and the Gitea/Forgejo route.
 */

import { startAdminServer } from "@drift/api/node-server";
import { withWebhooks } from "@drift/api/webhooks";
import { silentLog } from "@drift/core";
import { pushPayload, startWebhookSender } from "@drift/github-sim";
import { createLocalWebhooks } from "@drift/local";
import { beforeEach, describe, expect, it } from "vitest";
import { createServeApp } from "../../packages/local/src/commands/serve";
import { dbLabel } from "../support/db";
import { quietLog, simResolver, useSweepEnvironment } from "../support/pipeline";
import { packets } from "../support/review";
import {
  cleanWebhookTables,
  headOf,
  pendingRows,
  SECRET,
  trackPlugins,
  webhookHarness,
} from "../support/webhooks";

const env = useSweepEnvironment();
beforeEach(() => cleanWebhookTables(env.db.sql));

const track = (repo: string, refs: Record<string, string>, source?: string) =>
  trackPlugins(env.db.sql, env.sim.world, repo, refs, source);
const pending = () => pendingRows(env.db.sql);

describe(`webhooks in drift serve and on the Gitea route (${dbLabel})`, () => {
  it("drift serve answers the webhook routes without a bearer token, and the admin routes only with one", async () => {
    const repo = "whs/served";
    env.sim.world.createRepo(repo);
    env.sim.world.tag(repo, "v1.0.0");
    await track(repo, { m: "branch:main", l: "tag:latest" });
    const serveEnv = {
      ADMIN_TOKEN: "admin-t0ken",
      GITHUB_WEBHOOK_SECRET: SECRET,
      DRIFT_RECHECK_WINDOW_MS: "0",
    };
    const webhooks = createLocalWebhooks({
      sql: env.db.sql,
      resolver: simResolver(env.sim),
      log: quietLog,
      env: serveEnv,
    });
    const app = withWebhooks(createServeApp(env.db.sql, serveEnv, silentLog), webhooks.app);
    const server = await startAdminServer(app, { port: 0 });
    const sender = startWebhookSender(env.sim.world, {
      url: `${server.url}/webhooks/github`,
      secret: SECRET,
      flavour: "github",
      webBase: env.sim.url,
    });
    try {
      const moved = env.sim.world.commit(repo, "main");
      const tagged = env.sim.world.tag(repo, "v1.1.0").commit;
      env.sim.world.release(repo, "v1.1.0");
      await sender.idle();
      await webhooks.idle();
      // push (branch), create + push (new tag), release: real payload shapes, signed, over HTTP.
      expect(sender.sent.map((d) => [d.event, d.status, d.body])).toEqual([
        ["push", 202, '{"targets":1}'],
        ["create", 202, '{"targets":1}'],
        ["push", 202, '{"targets":1}'],
        ["release", 202, '{"targets":1}'],
      ]);
      expect(await pending()).toEqual({ l: tagged, m: moved });
      // Drift a re-check finds gets its review packet, as drift a sweep finds does.
      const reviewed = await packets(env.db.sql);
      expect(reviewed.map((p) => [p.latest_sha, p.packet_status, p.to_version]).sort()).toEqual(
        [
          [moved, "complete", "main"],
          [tagged, "complete", "v1.1.0"],
        ].sort(),
      );
      expect(reviewed.every((p) => p.repo_url === `${env.sim.url}/${repo}`)).toBe(true);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect((await fetch(`${server.url}/admin/plugin-updates-pending`)).status).toBe(401);
      const listed = await fetch(`${server.url}/admin/plugin-updates-pending`, {
        headers: { authorization: "Bearer admin-t0ken" },
      });
      expect(((await listed.json()) as unknown[]).length).toBe(2);
      // The Gitea route has no secret in this environment.
      const gitea = await fetch(`${server.url}/webhooks/gitea`, { method: "POST", body: "{}" });
      expect(gitea.status).toBe(403);
    } finally {
      sender.stop();
      await server.close();
    }
  });

  it("Gitea and Forgejo deliveries match gitea:// sources on host and full name, case-insensitively", async () => {
    const repo = "wh9/GiteaTool";
    env.sim.world.createRepo(repo);
    await track(repo, { m: "branch:main" }, `gitea://${env.sim.host}/${repo.toLowerCase()}`);
    const h = webhookHarness(env.db.sql, env.sim, { windowMs: 0 });
    const moved = env.sim.world.commit(repo, "main");
    // html_url carries the host: the simulator's, as a gitea:// source names it.
    const payload = pushPayload(
      env.sim.world.repo(repo),
      env.sim.url,
      "refs/heads/main",
      headOf(env.sim.world, repo, "refs/heads/main"),
      moved,
      "gitea",
    );
    const forgejo = await h.deliver("gitea", "push", payload, {
      headers: { "x-gitea-event": null, "x-gitea-delivery": null, "x-gitea-signature": null },
    });
    expect(forgejo).toEqual({ status: 202, body: { targets: 1 } });
    await h.idle();
    expect(await pending()).toEqual({ m: moved });
    // The same repository on another host is another repository.
    const elsewhere = {
      ...payload,
      repository: { full_name: repo, html_url: `https://git.example.org/${repo}` },
    };
    expect((await h.deliver("gitea", "push", elsewhere)).body).toEqual({ targets: 0 });
    // The GitHub route never matches gitea:// sources.
    expect((await h.deliver("github", "push", payload)).body).toEqual({ targets: 0 });
  });

  it("a re-check split over several messages is done, and its latency measured, once all of them are", async () => {
    const repo = "whs/split";
    env.sim.world.createRepo(repo);
    env.sim.world.tag(repo, "v1.0.0");
    await track(repo, { a: "tag:latest", b: "semver:^1", c: "semver:>=1.0.0" });
    const h = webhookHarness(env.db.sql, env.sim, { windowMs: 0, targetsPerMessage: 1 });
    env.sim.world.commit(repo, "main");
    const v11 = env.sim.world.tag(repo, "v1.1.0").commit;
    const r = await h.deliver(
      "github",
      "push",
      pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/tags/v1.1.0", null, v11),
    );
    expect(r.body).toEqual({ targets: 3 });
    await h.idle();
    expect(h.sent.map((m) => m.seq)).toEqual([0, 1, 2]);
    expect(new Set(h.sent.map((m) => m.sweepId)).size).toBe(1);
    const [row] = await env.db.sql`SELECT messages, targets_resolved, drift_new, done_at IS NOT NULL AS done,
      cardinality(done_seqs) AS seqs FROM drift_rechecks`;
    expect(row).toEqual({ messages: 3, targets_resolved: 3, drift_new: 3, done: true, seqs: 3 });
    expect(h.metrics.total("RechecksQueued")).toBe(3);
    expect(await pending()).toEqual({ a: v11, b: v11, c: v11 });
  });

  it("re-check now in drift serve resolves the target in process at once, not at the next sweep", async () => {
    const repo = "whs/recheck-now";
    env.sim.world.createRepo(repo);
    await track(repo, { r: "branch:main" });
    const [target] = await env.db.sql<{ key: string }[]>`
      SELECT key FROM drift_targets WHERE owner = 'whs' AND repo = 'recheck-now'`;
    await env.db.sql`UPDATE drift_targets SET last_error_kind = 'not_found', consecutive_failures = 2,
      next_check_at = now() + interval '6 hours' WHERE key = ${target?.key ?? ""}`;
    const serveEnv = { ADMIN_TOKEN: "admin-t0ken", DRIFT_RECHECK_WINDOW_MS: "0" };
    const webhooks = createLocalWebhooks({
      sql: env.db.sql,
      resolver: simResolver(env.sim),
      log: quietLog,
      env: serveEnv,
    });
    const app = createServeApp(env.db.sql, serveEnv, silentLog, webhooks.queue);
    const moved = env.sim.world.commit(repo, "main");
    const res = await app.request("/admin/targets/recheck", {
      method: "POST",
      headers: { authorization: "Bearer admin-t0ken", "content-type": "application/json" },
      body: JSON.stringify({ key: target?.key }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ key: target?.key, queued: true, coalesced: false });
    await webhooks.idle();
    expect(await pending()).toEqual({ r: moved });
    const [after] = await env.db.sql<{ failures: number }[]>`
      SELECT consecutive_failures AS failures FROM drift_targets WHERE key = ${target?.key ?? ""}`;
    expect(after?.failures).toBe(0);
  });
});
