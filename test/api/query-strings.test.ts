/** Query strings Postgres would refuse (a NUL byte, impossible cursor times) are a 400, never a 500. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { call, testAdminApp } from "../support/api";
import { dbLabel } from "../support/db";
import { useSweepEnvironment } from "../support/pipeline";

const env = useSweepEnvironment();

describe(`admin API query strings (${dbLabel})`, () => {
  it("query strings Postgres would refuse are a 400, never a 500", async () => {
    const { app } = testAdminApp(env.db.sql);
    const nul = await call(app, "GET", "/admin/plugin-updates?plugin_name=a%00b");
    expect(nul.status).toBe(400);
    for (const time of [
      "2024-13-45T99:99:99.000000Z",
      "0000-01-01T00:00:00.000000Z",
      "2024-02-30T00:00:00.000000Z",
    ]) {
      const cursor = Buffer.from(JSON.stringify([time, randomUUID()])).toString("base64url");
      const res = await call(app, "GET", `/admin/plugin-updates?cursor=${cursor}`);
      expect(res.status, time).toBe(400);
      expect(res.json().error.code).toBe("invalid_cursor");
    }
  });
});
