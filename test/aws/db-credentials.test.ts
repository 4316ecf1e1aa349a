/**
 * The application's database password read at run time (issue 23): a rotation (`ALTER ROLE … PASSWORD` and the
 * new value put in the secret) is picked up by a running function without a redeploy. PostgreSQL only: PGlite has
 * no logins, and the test server trusts loopback connections, so PgBouncer checks passwords in front of it (SCRAM
 * against pg_shadow), as RDS Proxy does in front of RDS.
 */
import { randomBytes } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { lambdaSql } from "@drift/aws/lambda-runtime";
import { runtimeConfig } from "@drift/aws/runtime";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startPgBouncer } from "../faults/support/pgbouncer";
import { startTcpProxy } from "../faults/support/tcp-proxy";
import { createTestDb, type TestDb } from "../support/db";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:drift/prod/db-app-AbCdEf";
vi.stubEnv("AWS_REGION", "eu-west-1");
vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret");

const secrets = mockClient(SecretsManagerClient);
const role = `drift_rot_${randomBytes(4).toString("hex")}`;
let db: TestDb;
let cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (!process.env.DATABASE_URL) return;
  db = await createTestDb();
  await db.sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'first-Pa55word'`);
});
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
  if (db) {
    await db.sql.unsafe(`DROP ROLE IF EXISTS ${role}`);
    await db.close();
  }
});

const putSecret = (password: string) =>
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: role, password }) });

describe.skipIf(!process.env.DATABASE_URL)("database password read at run time (PostgreSQL)", () => {
  it("a rotated application password is picked up at the next login, without a redeploy", async () => {
    const server = new URL(process.env.DATABASE_URL as string);
    const bouncer = await startPgBouncer(server.toString(), { checkPasswords: true });
    cleanup.push(() => bouncer.stop());
    const proxy = await startTcpProxy(bouncer.urlFor(server.pathname.slice(1)));
    cleanup.push(() => proxy.close());
    const port = new URL(proxy.url).port;
    putSecret("first-Pa55word");
    // As a function is configured: the deploy-time password is stale, the secret has the real one.
    const config = runtimeConfig({
      DRIFT_DB_HOST: "127.0.0.1",
      DRIFT_DB_PORT: port,
      DRIFT_DB_NAME: server.pathname.slice(1),
      DRIFT_DB_USER: role,
      DRIFT_DB_PASSWORD: "deploy-time-password",
      DRIFT_DB_SSLMODE: "disable",
      DRIFT_DB_SECRET_ARN: SECRET_ARN,
    });
    const sql = lambdaSql(config);
    cleanup.push(() => sql.end({ timeout: 1 }));
    const who = async () => (await sql<{ u: string }[]>`SELECT current_user AS u`)[0]?.u;
    // The query racing a terminated connection fails CONNECTION_CLOSED (postgres.js); up to three tries.
    const reconnect = async () => {
      const errors: string[] = [];
      let user: string | undefined;
      for (let attempt = 0; attempt < 3 && user === undefined; attempt++) {
        user = await who().catch((error: Error) => void errors.push(error.message));
      }
      return { user, errors };
    };
    expect(await who()).toBe(role);
    const reads = () => secrets.commandCalls(GetSecretValueCommand).length;
    expect(reads()).toBe(1);

    // Rotation: the database and the secret change; the function's connection closes (idle, proxy, failover).
    await db.sql.unsafe(`ALTER ROLE ${role} PASSWORD 'second-Pa55word'`);
    putSecret("second-Pa55word");
    proxy.terminate();
    await expect.poll(() => proxy.open).toBe(0);
    // The cached password fails at the login that shows it is stale (after the closed connection's own error)...
    const { user, errors } = await reconnect();
    // ...and the next login reads the secret afresh: no redeploy, no restart.
    expect(user).toBe(role);
    expect(errors.some((m) => /authentication failed/i.test(m))).toBe(true);
    expect(reads()).toBe(2);
    // Another reconnect logs in with the new password (from the cache, or read again after a closed attempt).
    proxy.terminate();
    await expect.poll(() => proxy.open).toBe(0);
    const again = await reconnect();
    expect(again.user).toBe(role);
    expect(again.errors.filter((m) => /authentication/i.test(m))).toEqual([]);
  });
});
