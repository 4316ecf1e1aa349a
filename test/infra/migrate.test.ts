/**
 * functions/migrate.ts, the handler the deployment invokes (infra/functions/migrate.ts), and the factory it wires
 * (packages/aws/src/migrate-handler.ts): it applies the migrations to a fresh database, applies nothing the
 * second time, waits (backing off, within a time cap) for a database or proxy that is not ready yet, says what
 * it waited for, and never retries a real migration error.
 */
import { randomBytes } from "node:crypto";
import { createMigrateHandler, DatabaseNotReadyError, notReadyReason } from "@drift/aws/migrate";
import { createSql } from "@drift/db";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@drift/db/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/migrate";
import { MIGRATIONS } from "../../packages/db/src/migrations/index";

const ALL_IDS = MIGRATIONS.map((m) => m.id);
const serverUrl = process.env.DATABASE_URL;

/** A fresh, empty database: a new PGlite, or a new database on the server (dropped afterwards). */
interface FreshDb {
  readonly host: string;
  readonly port: string;
  readonly name: string;
  readonly user: string;
  readonly password: string;
  drop(): Promise<void>;
}

async function freshDatabase(): Promise<FreshDb> {
  if (serverUrl) {
    const name = `drift_migrate_${randomBytes(4).toString("hex")}`;
    const admin = createSql({ url: serverUrl, max: 1 });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    return {
      host: url.hostname,
      port: url.port || "5432",
      name,
      user: decodeURIComponent(url.username) || "postgres",
      password: decodeURIComponent(url.password) || "unused",
      async drop() {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const pg: EmbeddedPostgres = await startEmbeddedPostgres();
  const url = new URL(pg.url);
  return {
    host: url.hostname,
    port: url.port,
    name: url.pathname.slice(1),
    user: "postgres",
    password: "unused",
    drop: () => pg.stop(),
  };
}

describe(`migrate handler (${serverUrl ? "PostgreSQL" : "PGlite"})`, () => {
  let db: FreshDb;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => db?.drop());

  it("as deployed: reads the connection from runtime config, applies every migration once", async () => {
    Object.assign(process.env, {
      DRIFT_DB_HOST: db.host,
      DRIFT_DB_PORT: db.port,
      DRIFT_DB_NAME: db.name,
      DRIFT_DB_USER: db.user,
      DRIFT_DB_PASSWORD: db.password,
      DRIFT_DB_SSLMODE: "disable",
    });
    const first = await handler();
    expect(first.applied).toEqual(ALL_IDS);
    expect(first.alreadyApplied).toEqual([]);
    expect(first.waited).toEqual({ attempts: 1, seconds: 0, for: [] });
    expect(first.appRole).toBe("not configured (no AppDatabase link)");
    const second = await handler();
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(ALL_IDS);
  });

  it("waits for a database that is not reachable yet (backing off), then migrates and says what it waited for", async () => {
    const client = createSql({
      url: `postgres://${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${db.name}`,
      max: 1,
    });
    try {
      let calls = 0;
      const clock = fakeClock();
      const lines: Record<string, unknown>[] = [];
      const migrate = createMigrateHandler({
        sql: () => {
          calls++;
          if (calls === 1) throw connectionRefused();
          if (calls === 2)
            throw Object.assign(new Error("the database system is starting up"), { code: "57P03" });
          return client;
        },
        ...clock.options,
        log: (line) => lines.push(line),
      });
      const result = await migrate();
      expect(calls).toBe(3);
      // Equal jitter at random() = 0.5: three quarters of 2 s, then of 4 s.
      expect(clock.waits).toEqual([1500, 3000]);
      expect(lines.filter((l) => l.level === "WARN").map((l) => l.reason)).toEqual([
        "ECONNREFUSED connection refused",
        "57P03 cannot connect now (database starting)",
      ]);
      expect(result).toMatchObject({ applied: [], alreadyApplied: ALL_IDS });
      expect(result.waited).toEqual({
        attempts: 3,
        seconds: 5,
        for: ["ECONNREFUSED connection refused ×1", "57P03 cannot connect now (database starting) ×1"],
      });
    } finally {
      await client.end();
    }
  });
});

const connectionRefused = () =>
  Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:5432"), { code: "ECONNREFUSED" });

/** A clock that only moves when the handler sleeps: no real waiting. */
function fakeClock() {
  let t = 1_000_000;
  const waits: number[] = [];
  return {
    waits,
    options: {
      now: () => t,
      sleep: async (ms: number) => {
        waits.push(ms);
        t += ms;
      },
      random: () => 0.5,
    },
  };
}

describe("what the migrate step waits for", () => {
  const error = (code: string, message = "x") => Object.assign(new Error(message), { code });

  it("retries what a starting proxy or server answers", () => {
    const retried = [
      error("ECONNREFUSED"),
      error("ETIMEDOUT"),
      error("CONNECT_TIMEOUT"),
      error("ENOTFOUND"),
      error("08001"),
      error("08006"),
      error("57P03"),
      error("53300"),
      new Error("Timed-out waiting to acquire database connection"),
      new Error("request to borrow a connection from the pool timed out"),
    ];
    for (const e of retried) expect(notReadyReason(e), e.message).toBeTypeOf("string");
    expect(notReadyReason(error("08006"))).toBe("08006 connection exception");
    expect(notReadyReason(error("53300"))).toBe("53300 too many connections");
  });

  it("does not retry a migration error, a wrong password or a missing database", () => {
    for (const e of [
      error("42601", 'syntax error at or near "TABEL"'),
      error("28P01", "password authentication failed"),
      error("3D000", 'database "x" does not exist'),
      error("42501", "permission denied"),
      new Error("anything else"),
      null,
      "a string",
    ]) {
      expect(notReadyReason(e)).toBeUndefined();
    }
  });
});

describe("migrate handler retries", () => {
  const fakeSql = (failures: number, error: () => Error) => {
    let calls = 0;
    return {
      get calls() {
        return calls;
      },
      sql: () => {
        calls++;
        if (calls <= failures) throw error();
        throw new Error("not reached");
      },
    };
  };

  it("gives up once the next wait would pass the time cap, naming what it waited for", async () => {
    const source = fakeSql(Number.POSITIVE_INFINITY, connectionRefused);
    const clock = fakeClock();
    const migrate = createMigrateHandler({
      sql: source.sql,
      maxWaitMs: 60_000,
      ...clock.options,
      log: () => {},
    });
    const failure = await migrate().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DatabaseNotReadyError);
    // Waits 1.5, 3, 6, 12, then 22.5 s (the 30 s cap): 45 s in all; the next 22.5 s would pass 60 s.
    expect(clock.waits).toEqual([1500, 3000, 6000, 12000, 22500]);
    expect(clock.waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(source.calls).toBe(6);
    expect((failure as Error).message).toBe(
      "database not ready after 45 s and 6 attempts; waited for: ECONNREFUSED connection refused ×6",
    );
    expect((failure as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("caps one wait at maxDelayMs and keeps the jitter within [half, whole] of the step", async () => {
    for (const r of [0, 0.999]) {
      const clock = fakeClock();
      const migrate = createMigrateHandler({
        sql: fakeSql(Number.POSITIVE_INFINITY, connectionRefused).sql,
        maxWaitMs: 10 * 60_000,
        ...clock.options,
        random: () => r,
        log: () => {},
      });
      await expect(migrate()).rejects.toBeInstanceOf(DatabaseNotReadyError);
      clock.waits.forEach((w, i) => {
        const step = Math.min(30_000, 2000 * 2 ** i);
        expect(w).toBeGreaterThanOrEqual(step / 2);
        expect(w).toBeLessThanOrEqual(step);
      });
      expect(Math.max(...clock.waits)).toBeLessThanOrEqual(30_000);
    }
  });

  it("does not retry a migration error (the deploy fails at once with it)", async () => {
    const source = fakeSql(1, () =>
      Object.assign(new Error('syntax error at or near "TABEL"'), { code: "42601" }),
    );
    const clock = fakeClock();
    const migrate = createMigrateHandler({ sql: source.sql, ...clock.options, log: () => {} });
    await expect(migrate()).rejects.toThrow(/syntax error/);
    expect(source.calls).toBe(1);
    expect(clock.waits).toEqual([]);
  });
});
