/**
 * Property-based hostile requests against the admin API (fast-check): whatever the method, path, query, headers
 * and body, the answer is never a 5xx, and every error is the JSON error shape with a reason.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, seedUpdate, testAdminApp } from "../support/api";
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
    .tuple(fc.constantFrom("/admin/plugin-updates/", "/admin/", "/webhooks/", "/"), segment, segment)
    .map(([base, a, b]) => `${base}${encodeURIComponent(a)}/${encodeURIComponent(b)}`),
  fc.constantFrom(
    "/admin/plugin-updates-pending",
    "/admin/plugin-updates",
    "/admin/targets/failing",
    "/admin/sweeps/latest",
    "/health",
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
          if (res.status >= 400 && r.method !== "HEAD" && text) {
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
});
