import { randomUUID } from "node:crypto";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type AdminAppOptions, createAdminApp } from "@drift/api";
import { createEventBridgeNotifier, loadAdminToken } from "@drift/aws";
import { createApiHandler } from "@drift/aws/api-handler";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN, captureLogger, seedUpdate } from "../support/api";
import { functionUrlEvent } from "../support/api-events";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:drift-credentials-AbCdEf";
const ALLOWED_ORIGIN = "https://admin.example.com";

// The module under test reads its configuration at import (cold start), like in Lambda.
vi.stubEnv("DRIFT_DB_HOST", "db.invalid");
vi.stubEnv("DRIFT_DB_USER", "drift");
vi.stubEnv("DRIFT_DB_PASSWORD", "unused");
vi.stubEnv("DRIFT_DB_NAME", "drift");
vi.stubEnv("DRIFT_ADMIN_TOKEN_SECRET_ARN", SECRET_ARN);
vi.stubEnv("DRIFT_EVENT_BUS_NAME", "drift-bus");
vi.stubEnv("DRIFT_CORS_ORIGINS", ALLOWED_ORIGIN);
vi.stubEnv("AWS_REGION", "eu-west-1");
vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret");

const eventBridge = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
let api: typeof import("../../functions/api");
let db: TestDb;
/** The Function URL handler around the admin app, as functions/api.ts wires it. */
const adminHandler = (options: AdminAppOptions) => createApiHandler(createAdminApp(options));

beforeAll(async () => {
  api = await import("../../functions/api");
  db = await createTestDb();
});
afterAll(async () => db?.close());
beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: randomUUID() }] });
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ adminToken: ADMIN_TOKEN }) });
});

/** The handler over the test database, with the real EventBridge notifier (mocked client) and secret loader. */
function testHandler(logger = captureLogger()) {
  const handler = adminHandler({
    sql: db.sql,
    auth: { mode: "bearer", token: () => loadAdminToken(SECRET_ARN, 0) },
    corsOrigins: [ALLOWED_ORIGIN],
    notifier: createEventBridgeNotifier({ client: new EventBridgeClient({}), eventBusName: "drift-bus" }),
    logger,
  });
  return { handler, logger };
}
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe(`admin API Lambda handler (${dbLabel})`, () => {
  it("answers a Function URL GET with the platform's pending list, token from Secrets Manager", async () => {
    const { handler } = testHandler();
    const u = await seedUpdate(db.sql);
    const res = await handler(
      functionUrlEvent({ method: "GET", path: "/admin/plugin-updates-pending", headers: auth }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers?.["content-type"]).toMatch(/application\/json/);
    expect(res.isBase64Encoded).toBe(false);
    expect(JSON.parse(res.body).map((r: { id: string }) => r.id)).toContain(u.id);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toMatchObject({
      SecretId: SECRET_ARN,
    });
  });

  it("applies with a base64 body and publishes plugin.update.applied to EventBridge once", async () => {
    const { handler } = testHandler();
    const u = await seedUpdate(db.sql);
    const event = functionUrlEvent({
      method: "POST",
      path: `/admin/plugin-updates/${u.id}/apply`,
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ note: "approved in review" }),
      base64: true,
    });
    const res = await handler(event);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: "applied", installed_sha: u.latest_sha });
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entry = calls[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ EventBusName: "drift-bus", Source: "plugin-drift-sweeper" });
    expect(entry?.DetailType).toBe("plugin.update.applied");
    expect(JSON.parse(entry?.Detail ?? "{}")).toMatchObject({
      workspace_id: u.workspace_id,
      plugin_name: u.plugin_name,
      from_sha: u.current_sha,
      to_sha: u.latest_sha,
      queue_id: u.id,
    });
  });

  it("20 concurrent applies through the handler: one transition, one PutEvents", async () => {
    const { handler } = testHandler();
    const u = await seedUpdate(db.sql);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        handler(
          functionUrlEvent({ method: "POST", path: `/admin/plugin-updates/${u.id}/apply`, headers: auth }),
        ),
      ),
    );
    const statuses = results.map((r) => JSON.parse(r.body).status);
    expect(statuses.filter((s) => s === "applied")).toHaveLength(1);
    expect(statuses.filter((s) => s === "already_applied")).toHaveLength(19);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it("FailedEntryCount > 0 keeps the event in the outbox; the next apply sends it", async () => {
    const { handler, logger } = testHandler();
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "try again" }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "x" }] });
    const u = await seedUpdate(db.sql);
    const first = await handler(
      functionUrlEvent({ method: "POST", path: `/admin/plugin-updates/${u.id}/apply`, headers: auth }),
    );
    expect(first.statusCode).toBe(200);
    expect(logger.text()).toContain("InternalFailure");
    const v = await seedUpdate(db.sql);
    await handler(
      functionUrlEvent({ method: "POST", path: `/admin/plugin-updates/${v.id}/apply`, headers: auth }),
    );
    const sent = eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => JSON.parse(c.args[0].input.Entries?.[0]?.Detail ?? "{}").queue_id);
    expect(sent).toEqual([u.id, u.id, v.id]);
    const [left] = await db.sql`SELECT count(*)::int AS n FROM drift_event_outbox WHERE published_at IS NULL`;
    expect(left?.n).toBe(0);
  });

  it("rejects a malformed id (400), a missing or wrong token (401) and an oversized base64 body (413)", async () => {
    const { handler, logger } = testHandler();
    const bad = await handler(
      functionUrlEvent({ method: "POST", path: "/admin/plugin-updates/nope/apply", headers: auth }),
    );
    expect(bad.statusCode).toBe(400);
    for (const headers of [{}, { authorization: "Bearer wrong-token" }] as Record<string, string>[]) {
      const res = await handler(
        functionUrlEvent({ method: "GET", path: "/admin/plugin-updates-pending", headers }),
      );
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe("unauthorized");
      expect(res.body).not.toContain(ADMIN_TOKEN);
    }
    const big = await handler(
      functionUrlEvent({
        method: "POST",
        path: `/admin/plugin-updates/${randomUUID()}/dismiss`,
        headers: auth,
        body: "x".repeat(40_000),
        base64: true,
      }),
    );
    expect(big.statusCode).toBe(413);
    expect(logger.text()).not.toContain(ADMIN_TOKEN);
  });

  it("a Secrets Manager failure is a 503, not a crash, and lets nobody in", async () => {
    const { handler, logger } = testHandler();
    secrets.reset();
    secrets.on(GetSecretValueCommand).rejects(new Error("AccessDeniedException: not allowed"));
    const res = await handler(
      functionUrlEvent({ method: "GET", path: "/admin/plugin-updates-pending", headers: auth }),
    );
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe("auth_unavailable");
    expect(logger.text()).toContain("admin token could not be loaded");
  });

  it("answers CORS preflight for an allowed origin and refuses another", async () => {
    const { handler } = testHandler();
    const preflight = (origin: string) =>
      handler(
        functionUrlEvent({
          method: "OPTIONS",
          path: `/admin/plugin-updates/${randomUUID()}/apply`,
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization",
          },
        }),
      );
    const ok = await preflight(ALLOWED_ORIGIN);
    expect(ok.statusCode).toBe(204);
    expect(ok.headers?.["access-control-allow-origin"]).toBe(ALLOWED_ORIGIN);
    expect(ok.headers?.["access-control-allow-methods"]).toContain("POST");
    const denied = await preflight("https://attacker.example");
    expect(denied.statusCode).toBe(403);
    expect(denied.headers?.["access-control-allow-origin"]).toBeUndefined();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it("in IAM mode trusts the Function URL's check (no bearer token needed)", async () => {
    const handler = adminHandler({
      sql: db.sql,
      auth: { mode: "iam" },
      corsOrigins: [],
      notifier: createEventBridgeNotifier({ client: new EventBridgeClient({}), eventBusName: "drift-bus" }),
    });
    const res = await handler(functionUrlEvent({ method: "GET", path: "/admin/sweeps/latest" }));
    expect(res.statusCode).toBe(200);
  });

  it("the exported handler (cold-start wiring) reads CORS from config and the token from the secret", async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const preflight = await api.handler(
        functionUrlEvent({
          method: "OPTIONS",
          path: "/admin/plugin-updates-pending",
          headers: { origin: ALLOWED_ORIGIN, "access-control-request-method": "GET" },
        }),
      );
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers?.["access-control-allow-origin"]).toBe(ALLOWED_ORIGIN);
      const wrong = await api.handler(
        functionUrlEvent({ method: "GET", path: "/admin/nope", headers: { authorization: "Bearer nope" } }),
      );
      expect(wrong.statusCode).toBe(401);
      // Right token, a route that touches no database: the secret was read and matched.
      const right = await api.handler(
        functionUrlEvent({ method: "GET", path: "/admin/nope", headers: auth }),
      );
      expect(right.statusCode).toBe(404);
      expect(secrets.commandCalls(GetSecretValueCommand).length).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
    expect(written.join("")).not.toContain(ADMIN_TOKEN);
  });

  it("serves MCP in a Function URL event: a workspace token's tools act only in its workspace", async () => {
    const { handler } = testHandler();
    const workspace = randomUUID();
    const mine = await seedUpdate(db.sql, { workspace_id: workspace });
    const theirs = await seedUpdate(db.sql);
    const minted = await handler(
      functionUrlEvent({
        method: "POST",
        path: "/admin/tokens",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ name: "agent", role: "workspace", workspace_id: workspace }),
      }),
    );
    expect(minted.statusCode).toBe(201);
    const { token, id } = JSON.parse(minted.body);
    const rpc = (method: string, params: object) =>
      handler(
        functionUrlEvent({
          method: "POST",
          path: "/mcp",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        }),
      );
    const tools = await rpc("tools/list", {});
    expect(tools.statusCode).toBe(200);
    expect(JSON.parse(tools.body).result.tools).toHaveLength(4);
    const cross = JSON.parse(
      (await rpc("tools/call", { name: "apply_plugin_update", arguments: { id: theirs.id } })).body,
    );
    expect(cross.result).toMatchObject({
      isError: true,
      structuredContent: { error: { code: "not_found" } },
    });
    const applied = await rpc("tools/call", { name: "apply_plugin_update", arguments: { id: mine.id } });
    expect(JSON.parse(applied.body).result.structuredContent).toMatchObject({
      status: "applied",
      workspace_id: workspace,
    });
    const rows = await db.sql<{ id: string; status: string; decided_by: string | null }[]>`
      SELECT id, status, decided_by FROM plugin_update_queue WHERE id IN (${mine.id}, ${theirs.id})`;
    expect(rows.find((r) => r.id === mine.id)).toMatchObject({
      status: "applied",
      decided_by: `token:${id}`,
    });
    expect(rows.find((r) => r.id === theirs.id)).toMatchObject({ status: "pending" });
    // Published like any apply: the platform hears of it.
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
