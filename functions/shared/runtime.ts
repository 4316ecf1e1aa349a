/**
 * Configuration of the Lambda functions, read once per cold start from what infra/ gives each function.
 * Handlers read nothing else from the environment.
 *
 * - Database credentials: the `Database` SST link (infra links it to every function; SST ships it encrypted in
 *   the bundle, so the password is never a plain environment variable). `DRIFT_DB_*` variables take precedence
 *   when set (local runs, tests).
 * - Everything else: plain environment variables set per function in infra/functions/*.ts, each function
 *   getting only what it uses.
 */
import { parseAdminAuthMode, parseCorsOrigins } from "@drift/core";
import { Resource } from "sst/resource";

export interface RuntimeConfig {
  /** postgres:// URL of the RDS Proxy endpoint (TLS required). */
  readonly databaseUrl: string;
  /** Sweep queue URL (dispatcher only; "" elsewhere). */
  readonly queueUrl: string;
  /**
   * ARN of the one Secrets Manager secret this function may read ("" when it has none): the GitHub credentials
   * for the worker, the admin token for the API (bearer auth). Its JSON is read by `loadGitHubCredentials` /
   * `parseCredentialsSecret` (@drift/aws); docs/deploy.md shows it.
   */
  readonly credentialsSecretArn: string;
  readonly eventBusName: string;
  readonly githubApiUrl: string;
  readonly adminAuth: "bearer" | "iam";
  readonly corsOrigins: readonly string[];
}

/** The environment variables infra/ sets (names are part of the contract between infra and handlers). */
export const RUNTIME_ENV = {
  dbHost: "DRIFT_DB_HOST",
  dbPort: "DRIFT_DB_PORT",
  dbName: "DRIFT_DB_NAME",
  dbUser: "DRIFT_DB_USER",
  dbPassword: "DRIFT_DB_PASSWORD",
  dbSslMode: "DRIFT_DB_SSLMODE",
  queueUrl: "DRIFT_QUEUE_URL",
  credentialsSecretArn: "DRIFT_CREDENTIALS_SECRET_ARN",
  eventBusName: "DRIFT_EVENT_BUS_NAME",
  githubApiUrl: "GITHUB_API_URL",
  adminAuth: "DRIFT_ADMIN_AUTH",
  corsOrigins: "DRIFT_CORS_ORIGINS",
} as const;

/** The name of the SST link that carries the database credentials (infra/database.ts). */
export const DATABASE_LINK = "Database";

interface DatabaseCredentials {
  readonly host: string;
  readonly port: string;
  readonly database: string;
  readonly username: string;
  readonly password: string;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

function fromEnvironment(env: NodeJS.ProcessEnv): DatabaseCredentials {
  return {
    host: required(env, RUNTIME_ENV.dbHost),
    port: env[RUNTIME_ENV.dbPort] || "5432",
    database: required(env, RUNTIME_ENV.dbName),
    username: required(env, RUNTIME_ENV.dbUser),
    password: required(env, RUNTIME_ENV.dbPassword),
  };
}

function fromLink(): DatabaseCredentials | undefined {
  const resources = Resource as unknown as Record<string, unknown>;
  if (!(DATABASE_LINK in resources)) return undefined;
  const link = resources[DATABASE_LINK] as Record<string, unknown> | undefined;
  const text = (key: string) => {
    const value = link?.[key];
    if (typeof value === "number") return String(value);
    if (typeof value === "string" && value) return value;
    throw new Error(`the ${DATABASE_LINK} link has no ${key}`);
  };
  return {
    host: text("host"),
    port: text("port"),
    database: text("database"),
    username: text("username"),
    password: text("password"),
  };
}

function databaseUrl(env: NodeJS.ProcessEnv): string {
  const credentials = env[RUNTIME_ENV.dbHost] ? fromEnvironment(env) : fromLink();
  if (!credentials) {
    throw new Error(
      `no database configured: link "${DATABASE_LINK}" in infra, or set ${RUNTIME_ENV.dbHost}, ${RUNTIME_ENV.dbName}, ${RUNTIME_ENV.dbUser} and ${RUNTIME_ENV.dbPassword}`,
    );
  }
  const user = encodeURIComponent(credentials.username);
  const password = encodeURIComponent(credentials.password);
  const sslmode = env[RUNTIME_ENV.dbSslMode] || "require";
  return `postgres://${user}:${password}@${credentials.host}:${credentials.port}/${encodeURIComponent(credentials.database)}?sslmode=${encodeURIComponent(sslmode)}`;
}

let cached: RuntimeConfig | undefined;

/**
 * The function's configuration. Cached for `process.env`; pass another env (tests) to read that instead.
 *
 * @example
 * const sql = createSql({ url: runtimeConfig().databaseUrl, max: 1, prepare: false });
 */
export function runtimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  if (cached && env === process.env) return cached;
  const config: RuntimeConfig = {
    databaseUrl: databaseUrl(env),
    queueUrl: env[RUNTIME_ENV.queueUrl] ?? "",
    credentialsSecretArn: env[RUNTIME_ENV.credentialsSecretArn] ?? "",
    eventBusName: env[RUNTIME_ENV.eventBusName] ?? "default",
    githubApiUrl: env[RUNTIME_ENV.githubApiUrl] ?? "https://api.github.com",
    // The parsers every runtime uses: a bad security setting throws at cold start, naming the variable.
    adminAuth: parseAdminAuthMode(env[RUNTIME_ENV.adminAuth], RUNTIME_ENV.adminAuth),
    corsOrigins: parseCorsOrigins(env[RUNTIME_ENV.corsOrigins], RUNTIME_ENV.corsOrigins),
  };
  if (env === process.env) cached = config;
  return config;
}
