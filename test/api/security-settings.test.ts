/**
 * Issue 15: the security settings (DRIFT_CORS_ORIGINS, DRIFT_ADMIN_AUTH, ADMIN_TOKEN) are validated at start by
 * one parser (@drift/core settings.ts) in every runtime: drift serve, the Lambda runtime config and infra/stage.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeConfig } from "@drift/aws/runtime";
import {
  parseAdminAuthMode,
  parseAdminToken,
  parseCorsOrigins,
  parseWebhookSecret,
  SettingError,
} from "@drift/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDrift } from "../support/api-cli";

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

  it("webhook secrets: trimmed like the Lambda's, blank leaves the route unset, control characters refused", () => {
    expect(parseWebhookSecret(undefined, "GITHUB_WEBHOOK_SECRET")).toBeUndefined();
    expect(parseWebhookSecret("  ", "GITHUB_WEBHOOK_SECRET")).toBeUndefined();
    expect(parseWebhookSecret(" whsec abc\n", "GITHUB_WEBHOOK_SECRET")).toBe("whsec abc");
    expect(() => parseWebhookSecret("a\rb", "GITEA_WEBHOOK_SECRET")).toThrow(
      "GITEA_WEBHOOK_SECRET: must not contain control characters",
    );
    expect(() => parseWebhookSecret("a\rb", "GITEA_WEBHOOK_SECRET")).not.toThrow(/a\rb/);
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
      [{ GITHUB_WEBHOOK_SECRET: "whsec\u0000x" }, "GITHUB_WEBHOOK_SECRET"],
      [{ GITEA_WEBHOOK_SECRET: "line one\nline two" }, "GITEA_WEBHOOK_SECRET"],
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
