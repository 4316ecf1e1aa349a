/**
 * functions/shared/runtime.ts: what a Lambda reads of what infra/ gives it. The database credentials come from
 * the SST `Database` link as deployed (SST_RESOURCE_* is how SST exposes links to a process), or from DRIFT_DB_*.
 */
import { describe, expect, it } from "vitest";
import { runtimeConfig } from "../functions/shared/runtime";

// SST loads links once per process from the environment: set the link before the first read.
process.env.SST_RESOURCE_App = JSON.stringify({ name: "plugin-drift-sweeper", stage: "test" });
process.env.SST_RESOURCE_Database = JSON.stringify({
  host: "db.proxy-x.eu-west-1.rds.amazonaws.com",
  port: 5432,
  database: "drift",
  username: "postgres",
  password: "p@ss/w:rd",
});

describe("runtimeConfig", () => {
  it("builds the RDS Proxy URL from the linked database (password URL-encoded, TLS required)", () => {
    const config = runtimeConfig({ DRIFT_QUEUE_URL: "https://sqs/q" });
    expect(config.databaseUrl).toBe(
      "postgres://postgres:p%40ss%2Fw%3Ard@db.proxy-x.eu-west-1.rds.amazonaws.com:5432/drift?sslmode=require",
    );
    expect(config.queueUrl).toBe("https://sqs/q");
  });

  it("prefers DRIFT_DB_* when set (local runs), and reads every other setting infra gives", () => {
    const config = runtimeConfig({
      DRIFT_DB_HOST: "127.0.0.1",
      DRIFT_DB_PORT: "6543",
      DRIFT_DB_NAME: "test",
      DRIFT_DB_USER: "me",
      DRIFT_DB_PASSWORD: "x y",
      DRIFT_DB_SSLMODE: "disable",
      DRIFT_CREDENTIALS_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:s",
      DRIFT_EVENT_BUS_NAME: "bus",
      GITHUB_API_URL: "https://ghe.example.com/api/v3",
      DRIFT_ADMIN_AUTH: "iam",
      DRIFT_CORS_ORIGINS: "https://a.example.com, https://b.example.com",
    });
    expect(config).toEqual({
      databaseUrl: "postgres://me:x%20y@127.0.0.1:6543/test?sslmode=disable",
      queueUrl: "",
      credentialsSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:s",
      eventBusName: "bus",
      githubApiUrl: "https://ghe.example.com/api/v3",
      adminAuth: "iam",
      corsOrigins: ["https://a.example.com", "https://b.example.com"],
    });
  });

  it("says which variable is missing when DRIFT_DB_HOST is set without the rest", () => {
    expect(() => runtimeConfig({ DRIFT_DB_HOST: "h", DRIFT_DB_NAME: "n", DRIFT_DB_USER: "u" })).toThrow(
      "missing environment variable DRIFT_DB_PASSWORD",
    );
  });

  it("defaults to bearer auth, the default bus and github.com", () => {
    const config = runtimeConfig({});
    expect(config).toMatchObject({
      adminAuth: "bearer",
      eventBusName: "default",
      githubApiUrl: "https://api.github.com",
      corsOrigins: [],
    });
  });

  it("refuses an unknown DRIFT_ADMIN_AUTH rather than falling back (one parser with drift serve and infra)", () => {
    expect(() => runtimeConfig({ DRIFT_ADMIN_AUTH: "something-else" })).toThrow(/^DRIFT_ADMIN_AUTH: /);
  });
});
