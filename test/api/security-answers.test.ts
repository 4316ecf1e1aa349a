/**
 * Issue 15: hostile strings through every API input never give a 5xx nor come back raw (validation errors name
 * only plain unknown keys), and answers served over HTTPS carry HSTS (admin app and webhook receiver).
 */
import { createWebhookApp } from "@drift/api/webhooks";
import { createApiHandler } from "@drift/aws/api-handler";
import { createRecheckStore } from "@drift/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedUpdate, type TestApp, testAdminApp } from "../support/api";
import { functionUrlEvent } from "../support/api-events";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

const SCRIPT = "</script><script>alert(1)</script>";

/** Strings an attacker would try: markup, quotes, bidi and invisible characters, controls, traversal. */
const FRAGMENTS = [
  SCRIPT,
  '"><img src=x onerror=alert(1)>',
  "<svg/onload=alert(1)>",
  "javascript:alert(1)",
  "\u202Egnp.exe",
  "\u2066rtl\u2069",
  "\u200F\u200B\uFEFF",
  "\u0000",
  "\r\n",
  "../../etc/passwd",
  "' OR 1=1 --",
  "%00%3C",
  ["$", "{jndi:ldap://x}"].join(""),
  "{{7*7}}",
  "🙂",
];
/** Something a reflection would show: markup, a bidi/invisible character or a control character. */
const MARKED = /[<>\u202A-\u202E\u2066-\u2069\u200B-\u200F\uFEFF\p{Cc}]/u;
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: "grapheme", maxLength: 6 })), {
    minLength: 1,
    maxLength: 5,
  })
  .map((parts) => parts.join(""))
  .filter((s) => MARKED.test(s));

describe(`hostile strings through every API input (${dbLabel})`, () => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
    t = testAdminApp(db.sql);
    await seedUpdate(db.sql);
  });
  afterAll(async () => db?.close());

  /** Never a 5xx, and the hostile text never comes back as it was sent. */
  const safe = (res: { status: number; text: string }, input: string) => {
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toContain(input);
  };
  const RUNS = { numRuns: 60 };

  it("ids of apply and dismiss", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.constantFrom("apply", "dismiss"), async (id, action) => {
        const res = await call(t.app, "POST", `/admin/plugin-updates/${encodeURIComponent(id)}/${action}`);
        safe(res, id);
        expect([400, 404]).toContain(res.status);
      }),
      RUNS,
    );
  });

  const LIST_PARAMS = ["status", "workspace_id", "plugin_name", "drift_kind", "limit", "cursor"];
  it("every query parameter of the list, and the failing-targets limit", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.constantFrom(...LIST_PARAMS, "failing:limit"), async (value, param) => {
        const path = param === "failing:limit" ? "/admin/targets/failing" : "/admin/plugin-updates";
        const key = param.replace("failing:", "");
        const res = await call(t.app, "GET", `${path}?${key}=${encodeURIComponent(value)}`);
        safe(res, value);
        // A plugin_name is a legitimate filter (it matches nothing); everything else is malformed.
        if (key !== "plugin_name" || /\p{Cc}/u.test(value)) expect(res.status).toBe(400);
      }),
      RUNS,
    );
  });

  it("unknown query keys are named without echoing them", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom("/admin/plugin-updates", "/admin/targets/failing"),
        async (key, path) => {
          const res = await call(t.app, "GET", `${path}?${encodeURIComponent(key)}=1`);
          safe(res, key);
          expect(res.status).toBe(400);
          expect(res.json().error.message).toMatch(
            /^unknown query parameter: 1 not shown \(\d+ characters\)$/,
          );
        },
      ),
      RUNS,
    );
    const res = await call(
      t.app,
      "GET",
      `/admin/plugin-updates?statuss=1&${encodeURIComponent("<script>")}=2`,
    );
    expect(res.json().error).toEqual({
      code: "invalid_query",
      message: 'unknown query parameters: "statuss" and 1 not shown (8 characters)',
    });
  });

  it("request bodies of apply and dismiss (any content type)", async () => {
    const u = await seedUpdate(db.sql, { status: "applied" });
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded"),
        fc.constantFrom("raw", "reason", "until", "key"),
        fc.constantFrom("apply", "dismiss"),
        async (text, type, shape, action) => {
          const body =
            shape === "raw" ? text : JSON.stringify(shape === "key" ? { [text]: 1 } : { [shape]: text });
          const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/${action}`, {
            body,
            headers: { "content-type": type },
          });
          safe(res, text);
        },
      ),
      RUNS,
    );
  });

  it("a hostile Authorization or Origin header: 401, and no foreign origin reflected", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (text) => {
        const value = text.replace(/[\p{Cc}\u0080-\u{10FFFF}]/gu, "x");
        const res = await call(t.app, "GET", "/admin/plugin-updates-pending", {
          token: null,
          headers: { authorization: `Bearer ${value}`, origin: `https://${value}` },
        });
        expect(res.status).toBe(401);
        expect(res.headers.get("access-control-allow-origin")).toBeNull();
        expect(res.text).not.toContain(value);
      }),
      RUNS,
    );
  });

  it("an 18,000-character value never gives a 5xx", async () => {
    const long = `${SCRIPT}${"\u202E".repeat(9000)}${"a".repeat(9000)}`;
    for (const path of [
      `/admin/plugin-updates?plugin_name=${encodeURIComponent(long)}`,
      `/admin/plugin-updates?cursor=${encodeURIComponent(long)}`,
      `/admin/plugin-updates?${encodeURIComponent(long)}=1`,
    ]) {
      const res = await call(t.app, "GET", path);
      safe(res, long);
      expect(res.status).toBe(400);
    }
  });
});

describe("HSTS on answers served over HTTPS", () => {
  const HSTS = "max-age=63072000; includeSubDomains";
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
    t = testAdminApp(db.sql);
  });
  afterAll(async () => db?.close());

  it("the Function URL (always HTTPS) sends Strict-Transport-Security, errors included", async () => {
    const handler = createApiHandler(t.app);
    for (const [path, code] of [
      ["/health", 200],
      ["/admin/", 200],
      ["/admin/plugin-updates-pending", 401],
      ["/nowhere", 404],
    ] as const) {
      const res = await handler(functionUrlEvent({ method: "GET", path }));
      expect(res.statusCode).toBe(code);
      expect(res.headers?.["strict-transport-security"]).toBe(HSTS);
    }
  });

  it("plain-http drift serve does not; behind a TLS proxy (X-Forwarded-Proto: https) it does", async () => {
    const plain = await call(t.app, "GET", "/health");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("strict-transport-security")).toBeNull();
    const proxied = await call(t.app, "GET", "/health", { headers: { "x-forwarded-proto": "https" } });
    expect(proxied.headers.get("strict-transport-security")).toBe(HSTS);
    const spoofedHttp = await call(t.app, "GET", "/health", { headers: { "x-forwarded-proto": "http" } });
    expect(spoofedHttp.headers.get("strict-transport-security")).toBeNull();
  });

  it("the webhook receiver (its own HTTPS Function URL) sends it on its answers too, refusals included", async () => {
    const app = createWebhookApp({
      store: createRecheckStore(db.sql),
      queue: { async send() {} },
      secrets: { github: "whsec_hsts_test" },
    });
    for (const [url, code] of [
      ["https://hooks.example.com/webhooks/github", 401],
      ["https://hooks.example.com/webhooks/gitea", 403],
      ["https://hooks.example.com/nowhere", 404],
    ] as const) {
      const res = await app.request(url, { method: "POST", body: "{}" });
      expect(res.status).toBe(code);
      expect(res.headers.get("strict-transport-security")).toBe(HSTS);
    }
    const plain = await app.request("http://127.0.0.1/webhooks/github", { method: "POST", body: "{}" });
    expect(plain.status).toBe(401);
    expect(plain.headers.get("strict-transport-security")).toBeNull();
  });
});
