/**
 * Property-based hostile requests against the admin API (fast-check): whatever the method, path, query, headers
 * and body, the answer is never a 5xx, and every error is the JSON error shape with a reason.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, seedUpdate, testAdminApp } from "../support/api";
import { createTestDb, type TestDb } from "../support/db";
import { record5xx, recordScenario } from "./support/scenario";

let db: TestDb;
let ids: string[] = [];
beforeAll(async () => {
  db = await createTestDb();
  ids = await Promise.all(
    ["pending", "applied", "dismissed", "superseded"].map(
      async (status) => (await seedUpdate(db.sql, { status: status as "pending" })).id,
    ),
  );
});
afterAll(async () => {
  await db?.close();
});

const segment = fc.oneof(
  fc.constantFrom("apply", "dismiss", "reopen", "bulk", "pending", "..", "%00", "%2e%2e", "💥", ""),
  fc.uuid(),
  fc.string({ maxLength: 40 }),
);
const path = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("/admin/plugin-updates/", "/admin/", "/admin/tokens/", "/webhooks/", "/"),
      segment,
      segment,
    )
    .map(([base, a, b]) => `${base}${encodeURIComponent(a)}/${encodeURIComponent(b)}`),
  fc.constantFrom(
    "/admin/plugin-updates-pending",
    "/admin/plugin-updates",
    "/admin/targets/failing",
    "/admin/sweeps/latest",
    "/health",
    "/admin/tokens",
    "/admin/whoami",
    "/admin/openapi.json",
    "/mcp",
  ),
);
const query = fc.dictionary(
  fc.constantFrom("status", "workspace_id", "plugin_name", "drift_kind", "limit", "cursor", "force", "x"),
  fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constant("%00"), fc.uuid()),
  { maxKeys: 4 },
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record({ reason: fc.string(), until: fc.string(), action: fc.string(), ids: fc.array(fc.uuid()) })
    .map((r) => JSON.stringify(r)),
);
const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"),
  path,
  query,
  body,
  auth: fc.constantFrom("good", "none", "bad", "garbage"),
  contentType: fc.constantFrom("application/json", "text/plain", "multipart/form-data; boundary=x", ""),
  known: fc.nat({ max: 3 }),
  action: fc.constantFrom("apply", "dismiss", "reopen"),
});

describe("hostile HTTP requests against the admin API", () => {
  it("2,000 random requests: no 5xx, every error a JSON reason", async () => {
    const { app } = testAdminApp(db.sql);
    let sent = 0;
    let fiveHundreds = 0;
    try {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const target =
            r.known > 0 && r.method === "POST"
              ? `/admin/plugin-updates/${ids[r.known] ?? randomUUID()}/${r.action}`
              : r.path;
          const qs = new URLSearchParams(r.query).toString();
          const headers: Record<string, string> = {};
          if (r.auth === "good") headers.authorization = `Bearer ${ADMIN_TOKEN}`;
          if (r.auth === "bad") headers.authorization = "Bearer wrong";
          if (r.auth === "garbage") headers.authorization = "\u00ff\u00fe";
          if (r.contentType) headers["content-type"] = r.contentType;
          const withBody = r.method !== "GET" && r.method !== "HEAD";
          const res = await app.request(`${target}${qs ? `?${qs}` : ""}`, {
            method: r.method,
            headers,
            ...(withBody && r.body !== undefined ? { body: r.body } : {}),
          });
          sent += 1;
          const text = await res.text();
          if (res.status >= 500) fiveHundreds += 1;
          expect(res.status, `${r.method} ${target} → ${text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400 && r.method !== "HEAD" && text && target !== "/mcp") {
            const error = JSON.parse(text).error;
            expect(typeof error?.code).toBe("string");
            expect(typeof error?.message).toBe("string");
          }
        }),
        { numRuns: 2000, seed: Number(process.env.FAST_CHECK_SEED ?? 20261201) },
      );
    } finally {
      recordScenario({ hostileInputs: sent });
      record5xx(fiveHundreds);
    }
  });

  it("tokens, scope and MCP: 1,000 hostile requests with every kind of token, no 5xx, and MCP calls never fail the protocol", async () => {
    const { app, logger } = testAdminApp(db.sql);
    const mint = async (body: object) =>
      (await call(app, "POST", "/admin/tokens", { body: JSON.stringify({ name: "h", ...body }) })).json()
        .token as string;
    const workspace = await mint({ role: "workspace", workspace_id: randomUUID() });
    const operator = await mint({ role: "operator" });
    const revoked = await mint({ role: "operator" });
    await db.sql`UPDATE drift_access_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND id IN (
      SELECT id FROM drift_access_tokens ORDER BY created_at DESC LIMIT 1)`;
    const tokens: Record<string, string> = {
      admin: ADMIN_TOKEN,
      workspace,
      operator,
      revoked,
      elsewhere: workspace.replace("drift_local_", "drift_prod_"),
      mangled: `${workspace.slice(0, -3)}zzz`,
    };
    const jsonRpc = fc.record({
      jsonrpc: fc.constantFrom("2.0", "1.0", 2),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null)),
      method: fc.constantFrom("initialize", "tools/list", "tools/call", "resources/list", "x", ""),
      params: fc.oneof(
        fc.record({
          name: fc.constantFrom(
            "check_plugin_updates",
            "explain_plugin_update",
            "apply_plugin_update",
            "dismiss_plugin_update",
            "rm_rf",
          ),
          arguments: fc.oneof(
            fc.record(
              {
                id: fc.oneof(fc.constantFrom(...ids), fc.uuid(), fc.string({ maxLength: 40 }), fc.integer()),
                force: fc.oneof(fc.boolean(), fc.string()),
                reason: fc.string({ maxLength: 600 }),
                until: fc.oneof(
                  fc.string(),
                  fc.date().map((d) => (Number.isFinite(d.getTime()) ? d.toISOString() : "")),
                ),
                workspace_id: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
                status: fc.string({ maxLength: 12 }),
                limit: fc.oneof(fc.integer(), fc.double()),
              },
              { requiredKeys: [] },
            ),
            fc.json({ maxDepth: 2 }),
          ),
        }),
        fc.record({
          protocolVersion: fc.constantFrom("2025-06-18", "1999"),
          capabilities: fc.constant({}),
          clientInfo: fc.constant({ name: "x", version: "1" }),
        }),
        fc.json({ maxDepth: 2 }),
      ),
    });
    const hostile = fc.record({
      target: fc.oneof(
        fc.constant("/mcp"),
        fc.constantFrom(
          "/admin/tokens",
          "/admin/whoami",
          "/admin/openapi.json",
          "/admin/policies",
          "/admin/rollouts",
        ),
        fc
          .oneof(fc.uuid(), fc.string({ maxLength: 40 }))
          .map((id) => `/admin/tokens/${encodeURIComponent(id)}`),
      ),
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE"),
      token: fc.constantFrom(...Object.keys(tokens), "none"),
      accept: fc.constantFrom("application/json, text/event-stream", "application/json", "*/*", ""),
      body: fc.oneof(
        jsonRpc.map((m) => JSON.stringify(m)),
        fc.array(jsonRpc, { maxLength: 3 }).map((m) => JSON.stringify(m)),
        fc
          .record(
            { name: fc.string(), role: fc.string(), workspace_id: fc.string(), expires_at: fc.string() },
            { requiredKeys: [] },
          )
          .map((b) => JSON.stringify(b)),
        fc.string({ maxLength: 100 }),
      ),
    });
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(hostile, async (r) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (r.token !== "none") headers.authorization = `Bearer ${tokens[r.token]}`;
        if (r.accept) headers.accept = r.accept;
        const res = await app.request(r.target, {
          method: r.method,
          headers,
          ...(r.method !== "GET" ? { body: r.body } : {}),
        });
        sent += 1;
        const text = await res.text();
        expect(res.status, `${r.method} ${r.target} (${r.token}) → ${text.slice(0, 200)}`).toBeLessThan(500);
        if (
          ["revoked", "elsewhere", "mangled", "none"].includes(r.token) &&
          r.target !== "/admin/openapi.json"
        )
          expect(res.status).toBe(401);
        if (r.token === "workspace" && /^\/admin\/(tokens|policies|rollouts)/.test(r.target))
          expect(res.status).toBe(403);
        // A JSON-RPC answer carries its own errors; a tool's refusal is a result with isError, never a 5xx.
        if (res.status >= 400 && text && r.target !== "/mcp")
          expect(typeof JSON.parse(text).error?.code).toBe("string");
      }),
      { numRuns: 1000, seed: Number(process.env.FAST_CHECK_SEED ?? 20261207) },
    );
    recordScenario({ hostileInputs: sent });
    // No token secret ever reaches a log line.
    for (const token of Object.values(tokens))
      if (token.startsWith("drift_")) expect(logger.text()).not.toContain(token.slice(-32));
    expect(logger.text()).not.toContain(ADMIN_TOKEN);
  });

  it("MCP tool calls with hostile names and arguments: 300 calls, each a JSON-RPC answer, never a 5xx", async () => {
    const { app } = testAdminApp(db.sql);
    const token = (
      await call(app, "POST", "/admin/tokens", {
        body: JSON.stringify({ name: "m", role: "workspace", workspace_id: randomUUID() }),
      })
    ).json().token as string;
    const args = fc.oneof(
      fc.record(
        {
          id: fc.oneof(fc.constantFrom(...ids), fc.uuid(), fc.string({ maxLength: 40 }), fc.integer()),
          force: fc.oneof(fc.boolean(), fc.string({ maxLength: 5 })),
          reason: fc.string({ maxLength: 600 }),
          until: fc.oneof(fc.string({ maxLength: 30 }), fc.constant("2999-01-01T00:00:00Z")),
          workspace_id: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
          status: fc.oneof(fc.constantFrom("pending", "applied"), fc.string({ maxLength: 12 })),
          limit: fc.oneof(fc.integer(), fc.double()),
        },
        { requiredKeys: [] },
      ),
      fc.json({ maxDepth: 2 }).map((j) => JSON.parse(j)),
    );
    const message = fc.record({
      id: fc.nat(),
      name: fc.oneof(
        fc.constantFrom(
          "check_plugin_updates",
          "explain_plugin_update",
          "apply_plugin_update",
          "dismiss_plugin_update",
        ),
        fc.string({ maxLength: 30 }),
      ),
      arguments: args,
    });
    let toolErrors = 0;
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const res = await app.request("/mcp", {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: m.id,
            method: "tools/call",
            params: { name: m.name, arguments: m.arguments },
          }),
        });
        const text = await res.text();
        expect(res.status, text.slice(0, 300)).toBe(200);
        const answer = JSON.parse(text);
        expect(answer.jsonrpc).toBe("2.0");
        if (answer.result?.isError) {
          toolErrors += 1;
          expect(answer.result.content[0].type).toBe("text");
        }
        // This workspace owns none of the seeded rows: nothing is ever decided for it.
        expect(answer.result?.structuredContent?.status).toBeUndefined();
      }),
      { numRuns: 300, seed: Number(process.env.FAST_CHECK_SEED ?? 20261208) },
    );
    recordScenario({ hostileInputs: 300 });
    expect(toolErrors).toBeGreaterThan(100);
    const decided = await db.sql`SELECT 1 FROM plugin_update_queue WHERE decided_by LIKE 'token:%'`;
    expect(decided).toHaveLength(0);
  });
});
