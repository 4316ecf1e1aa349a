import { randomUUID } from "node:crypto";
import { Metric } from "@drift/core";
import { pushPayload, refEventPayload, releasePayload } from "@drift/github-sim";
import { sign } from "@octokit/webhooks-methods";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { useSweepEnvironment } from "../support/pipeline";
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

const head = (repo: string, ref: string) => headOf(env.sim.world, repo, ref);
const track = (repo: string, refs: Record<string, string>, source?: string) =>
  trackPlugins(env.db.sql, env.sim.world, repo, refs, source);
const pending = () => pendingRows(env.db.sql);

const sentKeys = (sent: { targets: { r: string; t: string }[] }[]) =>
  sent.flatMap((m) => m.targets.map((t) => `${t.r}#${t.t}`)).sort();

describe(`webhooks trigger a re-check through the queue and worker (${dbLabel})`, () => {
  it("a signed push that moves a tracked branch gives the pending row without any sweep", async () => {
    const repo = "wh1/lint";
    env.sim.world.createRepo(repo);
    await track(repo, { follows_main: "branch:main" });
    const h = webhookHarness(env.db.sql, env.sim);
    const before = head(repo, "refs/heads/main");
    const after = env.sim.world.commit(repo, "main");
    const r = await h.deliver(
      "github",
      "push",
      pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/heads/main", before, after),
    );
    expect(r).toEqual({ status: 202, body: { targets: 1 } });
    await h.idle();
    expect(await pending()).toEqual({ follows_main: after });
    const [s] = await env.db.sql`SELECT (SELECT count(*) FROM drift_sweeps)::int AS sweeps,
      (SELECT count(*) FROM drift_sweep_messages)::int AS messages,
      (SELECT count(*) FROM drift_targets WHERE last_sweep_id IS NOT NULL)::int AS swept,
      (SELECT count(*) FROM drift_rechecks WHERE done_at IS NOT NULL AND drift_new = 1)::int AS rechecks`;
    // No sweep ran, and the re-check left the sweep bookkeeping alone (a sweep's redelivery stays exact).
    expect(s).toEqual({ sweeps: 0, messages: 0, swept: 0, rechecks: 1 });
    expect(h.metrics.total(Metric.RechecksQueued)).toBe(1);
    expect(h.metrics.byDimension(Metric.WebhookDeliveries, "Event")).toEqual({ push: 1 });
    expect(h.metrics.total(Metric.TargetsResolved)).toBe(1);
  });

  it("tag create, delete and release re-check the tag:latest and semver: targets of that repository only", async () => {
    const [a, b] = ["wh2/tool", "wh2/other"];
    for (const r of [a, b]) {
      env.sim.world.createRepo(r);
      env.sim.world.tag(r, "v1.0.0");
    }
    await track(a, {
      latest: "tag:latest",
      semver: "semver:^1",
      main: "branch:main",
      pinned_tag: "tag:v1.0.0",
    });
    await track(b, { other_latest: "tag:latest" }, `github://${b.toUpperCase()}`);
    const h = webhookHarness(env.db.sql, env.sim);
    const w = env.sim.world;
    w.commit(a, "main");
    const v11 = w.tag(a, "v1.1.0").commit;
    w.commit(b, "main");
    w.tag(b, "v1.1.0");
    const created = await h.deliver(
      "github",
      "create",
      refEventPayload(w.repo(a), env.sim.url, "tag", "v1.1.0"),
    );
    expect(created).toEqual({ status: 202, body: { targets: 2 } });
    await h.idle();
    expect(sentKeys(h.sent)).toEqual(["tool#semver:^1", "tool#tag:latest"]);
    // repository wh2/other moved too, but no webhook named it: no re-check, no row.
    expect(await pending()).toEqual({ latest: v11, semver: v11 });

    // A tag deleted: the highest tag is v1.0.0 again and the rows are superseded.
    w.deleteTag(a, "v1.1.0");
    await new Promise((r) => setTimeout(r, 1100)); // past the coalescing window: a fresh re-check
    const deleted = await h.deliver(
      "github",
      "delete",
      refEventPayload(w.repo(a), env.sim.url, "tag", "v1.1.0"),
    );
    expect(deleted).toEqual({ status: 202, body: { targets: 2 } });
    await h.idle();
    expect(await pending()).toEqual({});

    const v12 = w.tag(a, "v1.2.0").commit;
    await new Promise((r) => setTimeout(r, 1100));
    const released = await h.deliver("github", "release", releasePayload(w.repo(a), env.sim.url, "v1.2.0"));
    expect(released).toEqual({ status: 202, body: { targets: 2 } });
    await h.idle();
    expect(await pending()).toEqual({ latest: v12, semver: v12 });
    expect(h.sent.every((m) => m.targets.every((t) => t.r === "tool" && t.t !== "branch:main"))).toBe(true);
  });

  it("a tag named by a push affects tag:/ref: targets of that name and the repository's tag lists", async () => {
    const repo = "wh3/x";
    env.sim.world.createRepo(repo);
    env.sim.world.tag(repo, "v1.0.0");
    await track(repo, { t: "tag:v1.0.0", r: "ref:v1.0.0", l: "tag:latest", m: "branch:main" });
    const h = webhookHarness(env.db.sql, env.sim);
    const moved = env.sim.world.moveTag(repo, "v1.0.0", env.sim.world.commit(repo, "main")).commit;
    const r = await h.deliver(
      "github",
      "push",
      pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/tags/v1.0.0", null, moved),
    );
    expect(r.body).toEqual({ targets: 3 });
    await h.idle();
    expect(sentKeys(h.sent)).toEqual(["x#ref:v1.0.0", "x#tag:latest", "x#tag:v1.0.0"]);
    expect(await pending()).toEqual({ l: moved, r: moved, t: moved });
  });

  it("a wrong or missing signature is 401 and queues nothing, ping included; a signed ping is 200", async () => {
    const repo = "wh4/sig";
    env.sim.world.createRepo(repo);
    await track(repo, { m: "branch:main" });
    const h = webhookHarness(env.db.sql, env.sim);
    const payload = pushPayload(
      env.sim.world.repo(repo),
      env.sim.url,
      "refs/heads/main",
      null,
      env.sim.world.commit(repo, "main"),
    );
    const wrong = await h.deliver("github", "push", payload, { secret: "not-the-secret" });
    const missing = await h.deliver("github", "push", payload, { headers: { "x-hub-signature-256": null } });
    const garbage = await h.deliver("github", "push", payload, {
      headers: { "x-hub-signature-256": "sha256=zz" },
    });
    const ping = await h.deliver("github", "ping", { zen: "hi", hook_id: 1 }, { secret: "nope" });
    const giteaWrong = await h.deliver("gitea", "push", payload, { secret: "nope" });
    for (const r of [wrong, missing, garbage, ping, giteaWrong]) {
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: { code: "bad_signature" } });
    }
    expect(h.sent).toEqual([]);
    const [d] = await env.db.sql`SELECT count(*)::int AS n FROM drift_webhook_deliveries`;
    expect(d?.n).toBe(0);
    expect(h.metrics.total(Metric.WebhookSignatureRejected)).toBe(5);
    expect(await h.deliver("github", "ping", { zen: "hi", hook_id: 1 })).toEqual({
      status: 200,
      body: { ok: true },
    });
  });

  it("a route without a secret is 403 webhook_secret_unset", async () => {
    const h = webhookHarness(env.db.sql, env.sim, { secrets: { github: SECRET } });
    const r = await h.deliver("gitea", "ping", {});
    expect(r).toEqual({
      status: 403,
      body: { error: { code: "webhook_secret_unset", message: expect.any(String) } },
    });
  });

  it("a replayed delivery id queues nothing", async () => {
    const repo = "wh5/replay";
    env.sim.world.createRepo(repo);
    await track(repo, { m: "branch:main" });
    const h = webhookHarness(env.db.sql, env.sim, { windowMs: 0 });
    const payload = pushPayload(
      env.sim.world.repo(repo),
      env.sim.url,
      "refs/heads/main",
      null,
      env.sim.world.commit(repo, "main"),
    );
    const id = randomUUID();
    expect((await h.deliver("github", "push", payload, { deliveryId: id })).body).toEqual({ targets: 1 });
    await h.idle();
    const replay = await h.deliver("github", "push", payload, { deliveryId: id });
    expect(replay).toEqual({ status: 202, body: { targets: 0, duplicate: true } });
    expect(h.sent).toHaveLength(1);
    // The same id on the other route is another host's delivery.
    const gitea = await h.deliver("gitea", "push", payload, { deliveryId: id });
    expect(gitea.body).toEqual({ targets: 0 });
  });

  it("100 deliveries for one repository within a second cost at most a few re-checks, and the last push is found", async () => {
    const repo = "wh6/busy";
    env.sim.world.createRepo(repo);
    await track(repo, { m: "branch:main" });
    const h = webhookHarness(env.db.sql, env.sim, { windowMs: 1000 });
    // A burst: 100 pushes, their deliveries arriving concurrently.
    const pushes = Array.from({ length: 100 }, (_, i) => {
      const before = head(repo, "refs/heads/main");
      const after = env.sim.world.commit(repo, "main", `burst ${i}`);
      return pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/heads/main", before, after);
    });
    const last = head(repo, "refs/heads/main");
    const started = Date.now();
    const answers = await Promise.all(pushes.map((p) => h.deliver("github", "push", p)));
    const elapsed = Date.now() - started;
    expect(answers.every((a) => a.status === 202 && a.body.targets === 1)).toBe(true);
    await h.idle();
    // Leading + trailing per window: one re-check at once, one after the window for whatever came since.
    expect(h.sent.length).toBeGreaterThanOrEqual(1);
    // (A fixed cap would only hold on a quiet machine: under load the burst itself spans several windows.)
    expect(h.sent.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
    expect(await pending()).toEqual({ m: last });
  });

  it("a payload that lies about the new SHA cannot create a false drift", async () => {
    const repo = "wh7/liar";
    env.sim.world.createRepo(repo);
    await track(repo, { m: "branch:main" });
    const h = webhookHarness(env.db.sql, env.sim, { windowMs: 0 });
    const real = head(repo, "refs/heads/main");
    const lie = "f".repeat(40);
    const r = await h.deliver(
      "github",
      "push",
      pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/heads/main", real, lie),
    );
    expect(r.body).toEqual({ targets: 1 });
    await h.idle();
    expect(await pending()).toEqual({});
    const moved = env.sim.world.commit(repo, "main");
    await h.deliver(
      "github",
      "push",
      pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/heads/main", real, lie),
    );
    await h.idle();
    expect(await pending()).toEqual({ m: moved });
  });

  it("bad input is a 4xx: over-size 413, malformed JSON or payload 400, unknown event 202 with 0 targets", async () => {
    const repo = "wh8/input";
    env.sim.world.createRepo(repo);
    await track(repo, { m: "branch:main" });
    const h = webhookHarness(env.db.sql, env.sim, { maxBodyBytes: 4096 });
    const big = {
      ...pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/heads/main", null, null),
      pad: "x".repeat(5000),
    };
    expect((await h.deliver("github", "push", big)).status).toBe(413);
    const form = "payload=%7B%7D"; // a Gitea hook left on form encoding
    const notJson = await h.app.request("/webhooks/github", {
      method: "POST",
      body: form,
      headers: {
        "x-github-event": "push",
        "x-github-delivery": "d1",
        "x-hub-signature-256": await sign(SECRET, form),
      },
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: "malformed_json" } });
    const shapeless = await h.deliver("github", "push", { ref: 42 });
    expect(shapeless).toMatchObject({ status: 400, body: { error: { code: "malformed_payload" } } });
    const noId = await h.deliver("github", "push", {}, { headers: { "x-github-delivery": null } });
    expect(noId).toMatchObject({ status: 400, body: { error: { code: "bad_delivery" } } });
    const other = await h.deliver("github", "issues", { action: "opened", repository: { full_name: repo } });
    expect(other).toEqual({ status: 202, body: { targets: 0 } });
    const notes = await h.deliver(
      "github",
      "push",
      pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/notes/x", null, null),
    );
    expect(notes).toEqual({ status: 202, body: { targets: 0 } });
    expect(h.sent).toEqual([]);
  });
});
