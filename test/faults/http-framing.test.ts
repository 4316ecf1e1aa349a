/**
 * Case 7 of issue 10: odd HTTP framings sent to `drift serve` over a raw socket. Each gets an answer (never a 5xx)
 * or a closed connection within a few seconds; none holds a connection open.
 */
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { type AdminServer, DEFAULT_SERVER_TIMEOUTS, startAdminServer } from "@drift/api/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, testAdminApp } from "../support/api";
import { createTestDb, type TestDb } from "../support/db";
import { record5xx, recordScenario } from "./support/scenario";

interface RawAnswer {
  /** Everything the server wrote. */
  readonly text: string;
  /** The status of the first answer, if any. */
  readonly status: number | null;
  /** When the server closed the connection, in ms after the request was written; null if it did not. */
  readonly closedAfterMs: number | null;
}

/** Writes `bytes` on a fresh connection and waits up to `waitMs` for the server to close it. */
function raw(port: number, bytes: string, waitMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const started = Date.now();
    let text = "";
    const done = (closedAfterMs: number | null) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ text, status: status ? Number(status) : null, closedAfterMs });
    };
    const timer = setTimeout(() => done(null), waitMs);
    socket.on("data", (d) => {
      text += String(d);
    });
    socket.on("close", () => done(Date.now() - started));
    socket.on("error", () => {});
    socket.write(bytes);
  });
}

const AUTH = `Authorization: Bearer ${ADMIN_TOKEN}\r\n`;

let db: TestDb;
let fast: AdminServer;
let standard: AdminServer;
let answers = 0;
let fiveHundreds = 0;
const count = (a: RawAnswer) => {
  answers += 1;
  if (a.status !== null && a.status >= 500) fiveHundreds += 1;
  return a;
};

beforeAll(async () => {
  db = await createTestDb();
  const { app } = testAdminApp(db.sql);
  fast = await startAdminServer(app, { timeouts: { headersMs: 1_000, requestMs: 1_500 } });
  standard = await startAdminServer(app);
});
afterAll(async () => {
  await fast?.close();
  await standard?.close();
  await db?.close();
  recordScenario({ hostileInputs: answers });
  record5xx(fiveHundreds);
  expect(fiveHundreds).toBe(0);
});

describe("odd HTTP framings against drift serve", () => {
  it("an Upgrade: websocket request with a malformed body is refused with a 400 and closed at once", async () => {
    const id = randomUUID();
    const a = count(
      await raw(
        standard.port,
        `POST /admin/plugin-updates/${id}/dismiss HTTP/1.1\r\nHost: x\r\n${AUTH}Connection: Upgrade\r\n` +
          "Upgrade: websocket\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{not json",
        3_000,
      ),
    );
    expect(a.status).toBe(400);
    expect(a.text).toContain("upgrade_not_supported");
    expect(a.closedAfterMs).not.toBeNull();
    expect(a.closedAfterMs as number).toBeLessThan(2_000);
  });

  it("an h2c upgrade of a GET is refused the same way (this server speaks HTTP/1.1 only)", async () => {
    const a = count(
      await raw(
        standard.port,
        `GET /admin/plugin-updates HTTP/1.1\r\nHost: x\r\n${AUTH}Connection: Upgrade, HTTP2-Settings\r\n` +
          "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
        3_000,
      ),
    );
    expect(a.status).toBe(400);
    expect(a.closedAfterMs).not.toBeNull();
  });

  it("a body shorter than its Content-Length is answered and the connection closed within the request timeout", async () => {
    const a = count(
      await raw(
        fast.port,
        `POST /admin/plugin-updates/${randomUUID()}/dismiss HTTP/1.1\r\nHost: x\r\n${AUTH}` +
          'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"reason":',
        6_000,
      ),
    );
    // 404 when the route decides before reading the body; 408 when it waits for the body that never comes.
    expect([404, 408]).toContain(a.status);
    expect(a.closedAfterMs).not.toBeNull();
    expect(a.closedAfterMs as number).toBeLessThan(4_000);
  });

  it("headers that never end are answered 408 within the default limits (a few seconds)", async () => {
    const a = count(
      await raw(standard.port, `GET /admin/plugin-updates HTTP/1.1\r\nHost: x\r\n${AUTH}`, 9_000),
    );
    expect(a.status).toBe(408);
    expect(a.closedAfterMs as number).toBeLessThan(DEFAULT_SERVER_TIMEOUTS.headersMs + 2_500);
  });

  it("request smuggling shapes and garbage are a 400, never a 5xx", async () => {
    const hostile = [
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /admin/policies HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 7\r\n\r\nabc",
      "POST /admin/policies HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
      "\u0000\u0001\u0002 garbage\r\n\r\n",
      `GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    ];
    for (const bytes of hostile) {
      const a = count(await raw(fast.port, bytes, 4_000));
      expect(a.closedAfterMs, JSON.stringify(bytes.slice(0, 60))).not.toBeNull();
      expect(a.status === null || (a.status >= 400 && a.status < 500), a.text.slice(0, 80)).toBe(true);
    }
  });
});
