/**
 * Configuration of the Lambda functions, read once per cold start from what infra/ gives each function (names in
 * runtime-env.ts). Handlers read nothing else from the environment.
 *
 * - Database logins: SST links (`AppDatabase` for the application, `Database` for the owner that migrates), which
 *   SST ships encrypted in the bundle, so a password is never a plain environment variable. `DRIFT_DB_*`
 *   variables take precedence when set (local runs, tests) and then serve both purposes.
 * - Everything else: plain environment variables set per function in infra/functions/*.ts, each function
 *   getting only what it uses.
 */
import { minReleaseAgeSetting, parseAdminAuthMode, parseCorsOrigins } from "@drift/core";
import { createSql, type Sql } from "@drift/db/client";
import { Resource } from "sst/resource";
import { AWS_SSLMODE, DATABASE_LINKS, RUNTIME_ENV } from "./runtime-env";

/** One database login, as an SST database link carries it. */
export interface DatabaseLogin {
  readonly host: string;
  readonly port: string;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  /** libpq sslmode postgres.js understands: `verify-full` in AWS (certificate and host name checked). */
  readonly sslmode: string;
}

export interface RuntimeConfig {
  /** The deployment stage: the `stage` dimension of every metric. */
  readonly stage: string;
  /** postgres:// URL of the RDS Proxy endpoint, logged in as the application role. */
  readonly databaseUrl: string;
  /** Secret with the application login's password, read at run time ("": the password in databaseUrl). */
  readonly databaseSecretArn: string;
  /** Queue URL: the sweep queue (dispatcher), the re-check queue (webhook receiver, API); "" elsewhere. */
  readonly queueUrl: string;
  /** Secrets Manager secret with the GitHub / Gitea credentials (worker only; "" reads the environment). */
  readonly githubSecretArn: string;
  /** Secrets Manager secret with the admin token (API in bearer mode only; "" reads ADMIN_TOKEN). */
  readonly adminTokenSecretArn: string;
  /** Secrets Manager secret with the webhook HMAC secrets (webhook receiver only; "" leaves both routes unset). */
  readonly webhookSecretArn: string;
  readonly eventBusName: string;
  readonly githubApiUrl: string;
  readonly adminAuth: "bearer" | "iam";
  readonly corsOrigins: readonly string[];
  /** `DRIFT_MIN_RELEASE_AGE` in milliseconds (worker; 0 when unset). A malformed value fails the cold start. */
  readonly minReleaseAgeMs: number;
  /** The admin page notifications link to ("" when not configured: no link). */
  readonly adminUrl: string;
}

type Env = NodeJS.ProcessEnv;

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

function fromEnvironment(env: Env): DatabaseLogin {
  return {
    host: required(env, RUNTIME_ENV.dbHost),
    port: env[RUNTIME_ENV.dbPort] || "5432",
    database: required(env, RUNTIME_ENV.dbName),
    username: required(env, RUNTIME_ENV.dbUser),
    password: required(env, RUNTIME_ENV.dbPassword),
    sslmode: env[RUNTIME_ENV.dbSslMode] || AWS_SSLMODE,
  };
}

/** The login an SST link carries, or undefined when the function is not linked to it. */
export function linkedLogin(name: string, env: Env = process.env): DatabaseLogin | undefined {
  const resources = Resource as unknown as Record<string, unknown>;
  if (!(name in resources)) return undefined;
  const link = resources[name] as Record<string, unknown> | undefined;
  const text = (key: string) => {
    const value = link?.[key];
    if (typeof value === "number") return String(value);
    if (typeof value === "string" && value) return value;
    throw new Error(`the ${name} link has no ${key}`);
  };
  return {
    host: text("host"),
    port: text("port"),
    database: text("database"),
    username: text("username"),
    password: text("password"),
    // The link says the mode infra chose; an operator may still override it per function.
    sslmode: env[RUNTIME_ENV.dbSslMode] || (typeof link?.sslmode === "string" && link.sslmode) || AWS_SSLMODE,
  };
}

/** The postgres:// URL of a login (user, password and database URL-encoded; `sslmode` as a query parameter). */
export function databaseUrl(login: DatabaseLogin): string {
  const user = encodeURIComponent(login.username);
  const password = encodeURIComponent(login.password);
  return `postgres://${user}:${password}@${login.host}:${login.port}/${encodeURIComponent(login.database)}?sslmode=${encodeURIComponent(login.sslmode)}`;
}

/**
 * The login of a function: DRIFT_DB_* when set, else the link `link`. Throws naming what is missing.
 */
export function databaseLogin(link: string, env: Env = process.env): DatabaseLogin {
  const login = env[RUNTIME_ENV.dbHost] ? fromEnvironment(env) : linkedLogin(link, env);
  if (!login) {
    throw new Error(
      `no database configured: link "${link}" in infra, or set ${RUNTIME_ENV.dbHost}, ${RUNTIME_ENV.dbName}, ${RUNTIME_ENV.dbUser} and ${RUNTIME_ENV.dbPassword}`,
    );
  }
  return login;
}

let cached: RuntimeConfig | undefined;

/**
 * The function's configuration. Cached for `process.env`; pass another env (tests) to read that instead.
 *
 * @example
 * const config = runtimeConfig();
 * const sql = createLambdaSql(config.databaseUrl);
 */
export function runtimeConfig(env: Env = process.env): RuntimeConfig {
  if (cached && env === process.env) return cached;
  const config: RuntimeConfig = {
    stage: env[RUNTIME_ENV.stage] || "local",
    databaseUrl: databaseUrl(databaseLogin(DATABASE_LINKS.app, env)),
    databaseSecretArn: env[RUNTIME_ENV.dbSecretArn] ?? "",
    queueUrl: env[RUNTIME_ENV.queueUrl] ?? "",
    githubSecretArn: env[RUNTIME_ENV.githubSecretArn] ?? "",
    adminTokenSecretArn: env[RUNTIME_ENV.adminTokenSecretArn] ?? "",
    webhookSecretArn: env[RUNTIME_ENV.webhookSecretArn] ?? "",
    eventBusName: env[RUNTIME_ENV.eventBusName] ?? "default",
    githubApiUrl: env[RUNTIME_ENV.githubApiUrl] ?? "https://api.github.com",
    // The parsers every runtime uses: a bad security setting throws at cold start, naming the variable.
    adminAuth: parseAdminAuthMode(env[RUNTIME_ENV.adminAuth], RUNTIME_ENV.adminAuth),
    corsOrigins: parseCorsOrigins(env[RUNTIME_ENV.corsOrigins], RUNTIME_ENV.corsOrigins),
    minReleaseAgeMs: minReleaseAgeSetting(env[RUNTIME_ENV.minReleaseAge]),
    adminUrl: env[RUNTIME_ENV.adminUrl] ?? "",
  };
  if (env === process.env) cached = config;
  return config;
}

/**
 * The database client of a Lambda: one connection per container (Lambda runs one invocation at a time) and no
 * named prepared statements (RDS Proxy would pin the session). Create it outside the handler so warm
 * invocations reuse the connection.
 */
export function createLambdaSql(
  url: string,
  // Structural (db-password.ts's RuntimePassword): infra type-checks this file without the SDK's types.
  password?: { password(): Promise<string>; onAuthenticated(): void },
): Sql {
  return createSql({
    url,
    max: 1,
    prepare: false,
    ...(password ? { password: password.password, onAuthenticated: password.onAuthenticated } : {}),
  });
}

export { APP_ROLE, AWS_SSLMODE, DATABASE_LINKS, RUNTIME_ENV } from "./runtime-env";
