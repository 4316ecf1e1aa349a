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
import { Resource } from "sst/resource";

export interface RuntimeConfig {
  /** postgres:// URL of the RDS Proxy endpoint (TLS required). */
  readonly databaseUrl: string;
  /** Sweep queue URL (dispatcher only; "" elsewhere). */
  readonly queueUrl: string;
  /**
   * ARN of the one Secrets Manager secret this function may read ("" when it has none): the GitHub credentials
   * for the worker, the admin token for the API (bearer auth). Parse its SecretString with `parseCredentials`.
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
    adminAuth: env[RUNTIME_ENV.adminAuth] === "iam" ? "iam" : "bearer",
    corsOrigins: (env[RUNTIME_ENV.corsOrigins] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  };
  if (env === process.env) cached = config;
  return config;
}

/** The JSON kept in a credentials secret (docs/deploy.md shows how to set it). Each secret holds its part. */
export interface Credentials {
  /** Worker: a token (PAT or fine-grained) for GitHub / GHES. */
  readonly githubToken?: string;
  /** Worker: a GitHub App installation, instead of a token (larger rate budget). */
  readonly githubApp?: {
    readonly appId: string;
    readonly privateKey: string;
    readonly installationId: string;
  };
  /** Worker: token for Gitea / Forgejo hosts. */
  readonly giteaToken?: string;
  /** API: the bearer token of the admin API. */
  readonly adminToken?: string;
}

/** Thrown for a secret that is not the documented JSON. The message never contains the secret's content. */
export class CredentialsError extends Error {
  override name = "CredentialsError";
}

function optionalText(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" && key !== "privateKey") return String(value);
  throw new CredentialsError(`credentials: "${key}" must be a string`);
}

/**
 * Parses a credentials secret. Unknown keys are ignored; a key of the wrong type is a CredentialsError.
 *
 * @example
 * const secret = await getSecret(runtimeConfig().credentialsSecretArn); // @aws-lambda-powertools/parameters
 * const { githubToken, githubApp } = parseCredentials(String(secret));
 */
export function parseCredentials(secretString: string): Credentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new CredentialsError("credentials secret is not JSON (see docs/deploy.md for its shape)");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CredentialsError("credentials secret must be a JSON object (see docs/deploy.md)");
  }
  const o = parsed as Record<string, unknown>;
  let githubApp: Credentials["githubApp"];
  if (o.githubApp !== undefined && o.githubApp !== null) {
    const app = o.githubApp as Record<string, unknown>;
    if (typeof app !== "object") throw new CredentialsError('credentials: "githubApp" must be an object');
    const appId = optionalText(app.appId, "appId");
    const privateKey = optionalText(app.privateKey, "privateKey");
    const installationId = optionalText(app.installationId, "installationId");
    if (!appId || !privateKey || !installationId) {
      throw new CredentialsError('credentials: "githubApp" needs appId, privateKey and installationId');
    }
    githubApp = { appId, privateKey, installationId };
  }
  const result: Credentials = {
    githubToken: optionalText(o.githubToken, "githubToken"),
    githubApp,
    giteaToken: optionalText(o.giteaToken, "giteaToken"),
    adminToken: optionalText(o.adminToken, "adminToken"),
  };
  // Drop absent keys so callers can spread or compare the result plainly.
  return Object.fromEntries(Object.entries(result).filter(([, v]) => v !== undefined)) as Credentials;
}
