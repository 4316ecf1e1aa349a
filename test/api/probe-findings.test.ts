/**
 * Issue 23's probe of the webhook and admin inputs: each finding, answered as it must be. Every case here failed
 * before its fix (NUL names gave a 500, hostile keys were echoed, the signature covered decoded text, 2 MiB was
 * the limit, a 413 kept the connection alive, aborts were errors, 2027-02-30 became 2 March, uppercase hex was
 * refused on one route).
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { startAdminServer } from "@drift/api/node-server";
import { createWebhookApp } from "@drift/api/webhooks";
import { pushPayload, signedDelivery } from "@drift/github-sim";
import { beforeEach, describe, expect, it } from "vitest";
import { parseUntil } from "../../packages/local/src/cli-format";
import { call, captureLogger, seedUpdate, testAdminApp } from "../support/api";
import { dbLabel } from "../support/db";
import { useSweepEnvironment } from "../support/pipeline";
import { cleanWebhookTables, SECRET, trackPlugins, webhookHarness } from "../support/webhooks";

const env = useSweepEnvironment();
beforeEach(() => cleanWebhookTables(env.db.sql));

const hmac = (body: Uint8Array | string) => createHmac("sha256", SECRET).update(body).digest("hex");

/** A GitHub push delivery with the body bytes given, signed over `signedOver` (default: those bytes). */
async function postRaw(
  app: ReturnType<typeof webhookHarness>["app"],
  bytes: Uint8Array,
  signedOver: Uint8Array | string = bytes,
  signature = `sha256=${hmac(signedOver)}`,
) {
  const response = await app.request("/webhooks/github", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signature,
    },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Writes raw bytes to a server and collects what it answers until it closes or `waitMs` passes. */
function rawExchange(port: number, bytes: string, waitMs: number, hangUp = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(done, waitMs);
    socket.on("data", (d) => {
      text += String(d);
    });
    socket.on("close", done);
    socket.on("error", () => {});
    socket.write(bytes, () => {
      if (hangUp) setTimeout(done, 100);
    });
  });
}

describe(`probe findings of the webhook receiver (${dbLabel})`, () => {
  it("a signed delivery with a NUL in repository.full_name is a 400 on both routes, never a 500", async () => {
    const h = webhookHarness(env.db.sql, env.sim);
    for (const flavour of ["github", "gitea"] as const) {
      const payload = {
        ref: "refs/heads/main",
        repository: { full_name: "acme/li\u0000nt", html_url: "https://gitea.example.com/acme/lint" },
      };
      const r = await h.deliver(flavour, "push", payload);
      expect(r.status, flavour).toBe(400);
      expect(r.body).toMatchObject({ error: { code: "malformed_payload" } });
    }
  });

  it("verifies the exact bytes received: a BOM or a re-encoded invalid byte does not pass", async () => {
    const h = webhookHarness(env.db.sql, env.sim);
    const json = JSON.stringify({ ref: "refs/heads/main", repository: { full_name: "p1/bom" } });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    // Signed over the text without its BOM (what a decoder hands over): not what was received.
    expect((await postRaw(h.app, bom, json)).status).toBe(401);
    const invalid = Buffer.from(json.replace("bom", "b\u0001m"));
    invalid[invalid.indexOf(0x01)] = 0xff;
    // Signed over the text the invalid byte decodes to (U+FFFD): not the bytes received either.
    expect((await postRaw(h.app, invalid, invalid.toString("utf8"))).status).toBe(401);
    // Signed over the exact bytes: authentic, but not UTF-8 JSON, so 400 (not a 500, not a re-check).
    expect((await postRaw(h.app, invalid)).body).toMatchObject({ error: { code: "malformed_json" } });
    expect((await postRaw(h.app, bom)).status).toBe(400);
    // And the plain bytes pass.
    expect((await postRaw(h.app, Buffer.from(json))).status).toBe(202);
  });

  it("uppercase hex signatures are accepted the same on both routes", async () => {
    const h = webhookHarness(env.db.sql, env.sim);
    const payload = { zen: "ok" };
    const github = await h.deliver("github", "ping", payload, {
      headers: { "x-hub-signature-256": `sha256=${hmac(JSON.stringify(payload)).toUpperCase()}` },
    });
    const upperPrefix = await h.deliver("github", "ping", payload, {
      headers: { "x-hub-signature-256": `SHA256=${hmac(JSON.stringify(payload)).toUpperCase()}` },
    });
    const gitea = await h.deliver("gitea", "ping", payload, {
      headers: { "x-gitea-signature": hmac(JSON.stringify(payload)).toUpperCase() },
    });
    expect([github.status, upperPrefix.status, gitea.status]).toEqual([200, 200, 200]);
  });

  it("takes a signed 3 MiB push (GitHub sends up to 25 MB) and re-checks its repository", async () => {
    const repo = "p2/big";
    env.sim.world.createRepo(repo);
    await trackPlugins(env.db.sql, env.sim.world, repo, { main: "branch:main" });
    // The default limit, as deployed.
    const app = createWebhookApp({
      store: (await import("@drift/db")).createRecheckStore(env.db.sql),
      queue: { async send() {} },
      secrets: { github: SECRET },
    });
    const after = env.sim.world.commit(repo, "main");
    const payload = {
      ...pushPayload(env.sim.world.repo(repo), env.sim.url, "refs/heads/main", null, after),
      commits: Array.from({ length: 3200 }, (_, i) => ({ id: String(i), message: "x".repeat(1000) })),
    };
    const d = signedDelivery("github", SECRET, "push", payload);
    expect(d.body.length).toBeGreaterThan(3 * 1024 * 1024);
    const response = await app.request("/webhooks/github", {
      method: "POST",
      headers: d.headers,
      body: d.body,
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ targets: 1 });
  });

  it("a redelivery (same delivery id) is a duplicate by contract, and the runbook no longer says otherwise", async () => {
    const repo = "p3/redeliver";
    env.sim.world.createRepo(repo);
    await trackPlugins(env.db.sql, env.sim.world, repo, { main: "branch:main" });
    const h = webhookHarness(env.db.sql, env.sim);
    const payload = pushPayload(
      env.sim.world.repo(repo),
      env.sim.url,
      "refs/heads/main",
      null,
      "a".repeat(40),
    );
    const id = randomUUID();
    expect((await h.deliver("github", "push", payload, { deliveryId: id })).body).toEqual({ targets: 1 });
    expect((await h.deliver("github", "push", payload, { deliveryId: id })).body).toEqual({
      targets: 0,
      duplicate: true,
    });
    const runbook = readFileSync(new URL("../../docs/operations.md", import.meta.url), "utf8");
    expect(runbook).not.toMatch(/"Redeliver"[^.]*does it without code/);
    expect(runbook).toMatch(/Redeliver[^.]*duplicate/);
  });
});

describe("probe findings of the HTTP server and the admin inputs", () => {
  it("answers a 413 with Connection: close (webhook and admin app)", async () => {
    const log = captureLogger();
    const webhooks = createWebhookApp({
      store: (await import("@drift/db")).createRecheckStore(env.db.sql),
      queue: { async send() {} },
      secrets: { github: SECRET },
      maxBodyBytes: 1024,
      log,
    });
    const hook = await startAdminServer(webhooks);
    const admin = await startAdminServer(testAdminApp(env.db.sql).app);
    try {
      for (const [server, path] of [
        [hook, "/webhooks/github"],
        [admin, "/admin/policies"],
      ] as const) {
        const answer = await rawExchange(
          server.port,
          `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":`,
          3_000,
        );
        expect(answer, path).toMatch(/^HTTP\/1\.1 413/);
        expect(answer.toLowerCase(), path).toContain("connection: close");
      }
    } finally {
      await hook.close();
      await admin.close();
    }
  });

  it("a client that hangs up mid-body is not logged as an error", async () => {
    const log = captureLogger();
    const webhooks = createWebhookApp({
      store: (await import("@drift/db")).createRecheckStore(env.db.sql),
      queue: { async send() {} },
      secrets: { github: SECRET },
      log,
    });
    const server = await startAdminServer(webhooks);
    try {
      await rawExchange(
        server.port,
        "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          `X-Hub-Signature-256: sha256=${"0".repeat(64)}\r\nContent-Length: 5000\r\n\r\n{"ref":`,
        2_000,
        true,
      );
      await expect.poll(() => log.lines.length, { timeout: 5_000 }).toBeGreaterThan(0);
      expect(log.lines.filter((l) => JSON.parse(l).level === "error")).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("PUT /admin/policies names an unknown hostile key without echoing it", async () => {
    const t = testAdminApp(env.db.sql);
    const res = await call(t.app, "PUT", "/admin/policies", {
      body: JSON.stringify({ auto_apply: "none", "<script>alert(1)</script>": 1, colour: "red" }),
    });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain("<script>");
    expect(res.json().error.message).toBe('policy: unknown keys: "colour" and 1 not shown (25 characters)');
  });

  it("an `until` on a day that does not exist (2027-02-30) is refused, not moved to March", async () => {
    const t = testAdminApp(env.db.sql);
    await env.db.sql`TRUNCATE plugin_update_queue`;
    const u = await seedUpdate(env.db.sql);
    for (const until of ["2027-02-30T00:00:00Z", "2027-04-31T12:00:00Z", "2027-13-01T00:00:00Z"]) {
      const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/dismiss`, {
        body: JSON.stringify({ until }),
      });
      expect(res.status, until).toBe(400);
      expect(parseUntil(until), until).toBeNull();
    }
    const [row] = await env.db.sql<
      { status: string }[]
    >`SELECT status FROM plugin_update_queue WHERE id = ${u.id}`;
    expect(row?.status).toBe("pending");
    // A real leap day still passes.
    expect(parseUntil("2028-02-29T00:00:00Z")?.toISOString()).toBe("2028-02-29T00:00:00.000Z");
  });
});
