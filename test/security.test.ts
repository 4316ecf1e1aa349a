// Longer than ~300 lines on purpose: issue 15 asks for ONE security test file covering all its findings.
/**
 * Issue 15, the parts outside the page and CLI rendering: apply refuses a latest_sha that is not a full commit id
 * (API, CLI, the decision path); the security settings are validated at start by one parser in every runtime;
 * validation errors never echo hostile keys; HSTS on HTTPS answers; and hostile strings through every API input
 * never give a 5xx nor come back raw.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApiHandler } from "@drift/aws/api-handler";
import { parseAdminAuthMode, parseAdminToken, parseCorsOrigins, SettingError } from "@drift/core";
import { decide } from "@drift/db";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runtimeConfig } from "../functions/shared/runtime";
import { call, seedUpdate, type TestApp, testAdminApp } from "./support/api";
import { type CliDatabase, createCliDatabase, runDrift } from "./support/api-cli";
import { functionUrlEvent } from "./support/api-events";
import { createTestDb, type TestDb } from "./support/db";
import { sha } from "./support/seed";

const DB_KIND = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";
const SCRIPT = "</script><script>alert(1)</script>";

describe("security settings: one parser for every runtime", () => {
  const accepted: [string, readonly string[]][] = [
    ["", []],
    ["https://admin.example.com", ["https://admin.example.com"]],
    [
      " https://a.example.com , https://b.example.com:8443 ",
      ["https://a.example.com", "https://b.example.com:8443"],
    ],
    ["https://a.example.com,https://a.example.com", ["https://a.example.com"]],
    ["http://localhost:5173", ["http://localhost:5173"]],
    ["http://127.0.0.1:8787", ["http://127.0.0.1:8787"]],
    ["http://localhost", ["http://localhost"]],
  ];
  it.each(accepted)("DRIFT_CORS_ORIGINS=%j is accepted", (value, origins) => {
    expect(parseCorsOrigins(value)).toEqual(origins);
  });
  it("DRIFT_CORS_ORIGINS unset: no browser origin", () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
  });

  const refused: [string, RegExp][] = [
    ["*", /not allowed/],
    ["null", /not allowed/],
    ["NULL", /not allowed/],
    ["https://admin.example.com, *", /not allowed/],
    ["http://admin.example.com", /must use https/],
    ["http://localhost.evil.example", /must use https/],
    ["ftp://admin.example.com", /must use https/],
    ["file:///etc/passwd", /must use https/],
    ["admin.example.com", /not an origin/],
    ["https://", /not an origin/],
    ["https://admin.example.com/", /not an exact origin/],
    ["https://admin.example.com/admin", /not an exact origin/],
    ["https://admin.example.com?x=1", /not an exact origin/],
    ["https://admin.example.com#x", /not an exact origin/],
    ["https://Admin.Example.com", /did you mean "https:\/\/admin\.example\.com"/],
    ["https://admin.example.com:443", /did you mean "https:\/\/admin\.example\.com"/],
    ["https://user@admin.example.com", /not an exact origin/],
    [`https://${SCRIPT}`, /not an origin/],
  ];
  it.each(refused)("DRIFT_CORS_ORIGINS=%j is refused, naming the variable", (value, reason) => {
    let error: unknown;
    try {
      parseCorsOrigins(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingError);
    expect((error as SettingError).variable).toBe("DRIFT_CORS_ORIGINS");
    expect((error as Error).message).toMatch(/^DRIFT_CORS_ORIGINS: /);
    expect((error as Error).message).toMatch(reason);
  });

  it("admin auth mode: bearer by default, iam, and nothing else", () => {
    expect(parseAdminAuthMode(undefined)).toBe("bearer");
    expect(parseAdminAuthMode(" ")).toBe("bearer");
    expect(parseAdminAuthMode("iam")).toBe("iam");
    for (const bad of ["IAM", "basic", "none", "bearer,iam"]) {
      expect(() => parseAdminAuthMode(bad)).toThrow(/^DRIFT_ADMIN_AUTH: must be bearer or iam/);
    }
  });

  it("admin token: set, visible ASCII only, never shown in the message", () => {
    expect(parseAdminToken("s3cr3t-token")).toBe("s3cr3t-token");
    expect(() => parseAdminToken(undefined)).toThrow("ADMIN_TOKEN: is not set");
    expect(() => parseAdminToken("")).toThrow("ADMIN_TOKEN: is not set");
    for (const bad of ["two words", "tab\there", "n\u00e9e", "line\n"]) {
      expect(() => parseAdminToken(bad)).toThrow(/^ADMIN_TOKEN: must be visible ASCII/);
      expect(() => parseAdminToken(bad)).not.toThrow(bad);
    }
  });

  it("the Lambda runtime config throws at cold start for a bad CORS origin or auth mode", () => {
    const db = { DRIFT_DB_HOST: "h", DRIFT_DB_NAME: "n", DRIFT_DB_USER: "u", DRIFT_DB_PASSWORD: "p" };
    expect(() => runtimeConfig({ ...db, DRIFT_CORS_ORIGINS: "null" })).toThrow(/^DRIFT_CORS_ORIGINS: /);
    expect(() => runtimeConfig({ ...db, DRIFT_CORS_ORIGINS: "*" })).toThrow(/^DRIFT_CORS_ORIGINS: /);
    expect(() => runtimeConfig({ ...db, DRIFT_CORS_ORIGINS: "https://a.example.com/x" })).toThrow(
      /^DRIFT_CORS_ORIGINS: /,
    );
    expect(() => runtimeConfig({ ...db, DRIFT_ADMIN_AUTH: "iam " })).not.toThrow();
    expect(() => runtimeConfig({ ...db, DRIFT_ADMIN_AUTH: "something-else" })).toThrow(/^DRIFT_ADMIN_AUTH: /);
    expect(runtimeConfig({ ...db, DRIFT_CORS_ORIGINS: "https://a.example.com" }).corsOrigins).toEqual([
      "https://a.example.com",
    ]);
  });

  describe("drift serve stops before it starts on a bad security setting", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "drift-serve-settings-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const cases: [Record<string, string>, string][] = [
      [{ DRIFT_CORS_ORIGINS: "null" }, "DRIFT_CORS_ORIGINS"],
      [{ DRIFT_CORS_ORIGINS: "*" }, "DRIFT_CORS_ORIGINS"],
      [{ DRIFT_CORS_ORIGINS: "http://admin.example.com" }, "DRIFT_CORS_ORIGINS"],
      [{ ADMIN_TOKEN: "has a space" }, "ADMIN_TOKEN"],
    ];
    it.each(cases)("%j: exit 2, the message names %s", async (bad, variable) => {
      const env = { DRIFT_DATA_DIR: dir, ADMIN_TOKEN: "serve-token-0123456789", ...bad };
      const result = await runDrift(["serve", "--port", "0"], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`drift serve: ${variable}: `);
      expect(result.stdout).toBe("");
    });
  });
});

describe(`apply refuses a latest_sha that is not a full commit id (${DB_KIND})`, () => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => db?.close());
  beforeEach(() => {
    t = testAdminApp(db.sql);
  });

  const installed = async (workspaceId: string, name: string) =>
    (
      await db.sql<{ installed_sha: string | null; updated_at: Date }[]>`
        SELECT installed_sha, updated_at FROM workspace_plugins
        WHERE workspace_id = ${workspaceId} AND plugin_name = ${name}`
    )[0];
  const status = async (id: string) =>
    (await db.sql<{ status: string }[]>`SELECT status FROM plugin_update_queue WHERE id = ${id}`)[0]?.status;
  const outbox = async () =>
    (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drift_event_outbox`)[0]?.n;

  const invalid = [SCRIPT, sha("x").slice(0, 39), `${sha("x")}0`, sha("x").slice(0, 7), "g".repeat(40), ""];
  it.each(invalid)("latest_sha %j: 409 invalid_latest_sha, nothing written, no event", async (latest) => {
    const u = await seedUpdate(db.sql, { latest_sha: latest });
    const before = await installed(u.workspace_id, u.plugin_name);
    const outboxBefore = await outbox();
    const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
    expect(res.status).toBe(409);
    expect(res.json().error.code).toBe("invalid_latest_sha");
    expect(res.text).not.toContain("<script>");
    expect(await installed(u.workspace_id, u.plugin_name)).toEqual(before);
    expect(await status(u.id)).toBe("pending");
    expect(await outbox()).toBe(outboxBefore);
    expect(t.notifier.events).toEqual([]);
    // The one decision path refuses it too (bulk and policy apply go through it).
    const direct = await decide(db.sql, u.id, "apply", { decidedBy: "policy:test" });
    expect(direct).toMatchObject({ kind: "conflict", code: "invalid_latest_sha" });
    // Dismissing such a row stays possible: that is how an operator clears it.
    expect((await call(t.app, "POST", `/admin/plugin-updates/${u.id}/dismiss`)).status).toBe(200);
  });

  it("a full SHA-1 (any case) or SHA-256 latest_sha is applied", async () => {
    for (const latest of [sha("a").toUpperCase(), `${sha("b")}${sha("c").slice(0, 24)}`]) {
      const u = await seedUpdate(db.sql, { latest_sha: latest });
      const res = await call(t.app, "POST", `/admin/plugin-updates/${u.id}/apply`);
      expect(res.status).toBe(200);
      expect((await installed(u.workspace_id, u.plugin_name))?.installed_sha).toBe(latest);
    }
  });
});

describe(`drift apply refuses a hostile latest_sha (${DB_KIND})`, () => {
  let cli: CliDatabase;
  beforeAll(async () => {
    cli = await createCliDatabase();
    await runDrift(["migrate"], cli.env);
  });
  afterAll(async () => cli?.close());

  it("exits 1 with the refusal; workspace_plugins and the outbox unchanged", async () => {
    const u = await cli.withSql((sql) => seedUpdate(sql, { latest_sha: SCRIPT }));
    const result = await runDrift(["apply", u.id], cli.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no valid latest_sha");
    expect(result.stderr).not.toContain("<script>");
    expect(result.stdout).toBe("");
    const after = await cli.withSql(async (sql) => ({
      installed: (
        await sql<{ installed_sha: string }[]>`
          SELECT installed_sha FROM workspace_plugins WHERE workspace_id = ${u.workspace_id}`
      )[0]?.installed_sha,
      outbox: (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drift_event_outbox`)[0]?.n,
      status: (await sql<{ status: string }[]>`SELECT status FROM plugin_update_queue WHERE id = ${u.id}`)[0]
        ?.status,
    }));
    expect(after).toEqual({ installed: u.current_sha, outbox: 0, status: "pending" });
  });
});

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

describe(`hostile strings through every API input (${DB_KIND})`, () => {
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
});
