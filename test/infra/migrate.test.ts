/**
 * functions/migrate.ts, the handler the deployment invokes (infra/functions/migrate.ts): it applies the
 * migrations to a fresh database, applies nothing the second time, and waits for a database that is not
 * reachable yet (a new RDS Proxy) without retrying real migration errors.
 */
import { randomBytes } from "node:crypto";
import { createSql } from "@drift/db";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@drift/db/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigrateHandler, handler } from "../../functions/migrate";
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
    const second = await handler();
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(ALL_IDS);
  });

  it("waits for a database that is not reachable yet (backing off), then migrates", async () => {
    const client = createSql({
      url: `postgres://${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${db.name}`,
      max: 1,
    });
    try {
      let calls = 0;
      const waits: number[] = [];
      const lines: Record<string, unknown>[] = [];
      const migrate = createMigrateHandler({
        sql: () => {
          if (++calls <= 2) throw connectionRefused();
          return client;
        },
        sleep: async (ms) => {
          waits.push(ms);
        },
        log: (line) => lines.push(line),
      });
      const result = await migrate();
      expect(calls).toBe(3);
      expect(waits).toEqual([2000, 4000]);
      expect(lines.filter((l) => l.level === "WARN").map((l) => l.code)).toEqual([
        "ECONNREFUSED",
        "ECONNREFUSED",
      ]);
      expect(result).toEqual({ applied: [], alreadyApplied: ALL_IDS });
    } finally {
      await client.end();
    }
  });
});

const connectionRefused = () =>
  Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:5432"), { code: "ECONNREFUSED" });

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

  it("gives up after the configured attempts with the connection error", async () => {
    const source = fakeSql(99, connectionRefused);
    const migrate = createMigrateHandler({
      sql: source.sql,
      attempts: 3,
      sleep: async () => {},
      log: () => {},
    });
    await expect(migrate()).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(source.calls).toBe(3);
  });

  it("does not retry a migration error (the deploy fails at once with it)", async () => {
    const source = fakeSql(1, () =>
      Object.assign(new Error('syntax error at or near "TABEL"'), { code: "42601" }),
    );
    const migrate = createMigrateHandler({ sql: source.sql, sleep: async () => {}, log: () => {} });
    await expect(migrate()).rejects.toThrow(/syntax error/);
    expect(source.calls).toBe(1);
  });
});
