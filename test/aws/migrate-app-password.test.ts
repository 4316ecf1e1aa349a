/**
 * The migrate function gives drift_app the password of the application secret (DRIFT_DB_SECRET_ARN, the secret
 * RDS Proxy authenticates drift_app with), read at run time, not a value fixed when the stage was deployed
 * (issue 23). Secrets Manager mocked; PostgreSQL only (PGlite has no logins), with PgBouncer checking passwords
 * in front of the trusting test server, as the proxy does in front of RDS.
 */
import { randomBytes } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { APP_ROLE } from "@drift/aws/runtime-env";
import { createSql } from "@drift/db";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/migrate";
import { type PgBouncer, startPgBouncer } from "../faults/support/pgbouncer";

const serverUrl = process.env.DATABASE_URL;
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:drift/prod/db-app-AbCdEf";
vi.stubEnv("AWS_REGION", "eu-west-1");
vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret");
vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");

const secrets = mockClient(SecretsManagerClient);
const putSecret = (password: string) =>
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ username: APP_ROLE, password }) });

describe.skipIf(!serverUrl)(
  "migrate: drift_app's password from the application secret, at run time (PostgreSQL)",
  () => {
    const name = `drift_migrate_pw_${randomBytes(4).toString("hex")}`;
    const admin = createSql({ url: serverUrl as string, max: 1 });
    let bouncer: PgBouncer;

    beforeAll(async () => {
      await admin.unsafe(`CREATE DATABASE ${name}`);
      bouncer = await startPgBouncer(serverUrl as string, { checkPasswords: true });
      const url = new URL(serverUrl as string);
      // As deployed: the owner's login from the link (here the override variables), the application secret's ARN,
      // and a deploy-time password in the AppDatabase link that must not be the one set.
      vi.stubEnv("DRIFT_DB_HOST", url.hostname);
      vi.stubEnv("DRIFT_DB_PORT", url.port || "5432");
      vi.stubEnv("DRIFT_DB_NAME", name);
      vi.stubEnv("DRIFT_DB_USER", decodeURIComponent(url.username) || "postgres");
      vi.stubEnv("DRIFT_DB_PASSWORD", decodeURIComponent(url.password) || "unused");
      vi.stubEnv("DRIFT_DB_SSLMODE", "disable");
      vi.stubEnv("DRIFT_DB_SECRET_ARN", SECRET_ARN);
    }, 60_000);
    afterAll(async () => {
      await bouncer?.stop();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });

    /** Logs in as drift_app through PgBouncer (which checks the password); the user it ran as, or the error. */
    async function loginAs(password: string): Promise<string> {
      const url = new URL(bouncer.urlFor(name));
      url.username = APP_ROLE;
      url.password = password;
      const sql = createSql({ url: url.toString(), max: 1 });
      try {
        const [who] = await sql<{ u: string }[]>`SELECT current_user AS u`;
        return who?.u ?? "";
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      } finally {
        await sql.end({ timeout: 1 });
      }
    }

    it("sets the secret's password, and after a rotation of the secret the next run sets the new one", async () => {
      const first = `first-${randomBytes(6).toString("hex")}`;
      putSecret(first);
      const outcome = await handler();
      expect(outcome.appRole).toBe("password set");
      expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toMatchObject({
        SecretId: SECRET_ARN,
      });
      expect(await loginAs(first)).toBe(APP_ROLE);

      // Rotated in Secrets Manager: the next deploy's run reads it afresh (no cache), no value from the deploy.
      const second = `second-${randomBytes(6).toString("hex")}`;
      putSecret(second);
      expect((await handler()).appRole).toBe("password set");
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
      expect(await loginAs(second)).toBe(APP_ROLE);
      expect(await loginAs(first)).toMatch(/refused: .*(password|authentication)/i);
    }, 120_000);

    it("a secret of another login (an external database's owner) leaves drift_app alone, saying so", async () => {
      secrets
        .on(GetSecretValueCommand)
        .resolves({ SecretString: JSON.stringify({ username: "owner", password: "x" }) });
      expect((await handler()).appRole).toBe(`not set: the AppDatabase login is owner, not ${APP_ROLE}`);
    }, 60_000);
  },
);
