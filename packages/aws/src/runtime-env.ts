/**
 * What infra/ hands each Lambda and the runtime (runtime-config.ts) reads: environment variable names, SST link
 * names and the limits both sides must agree on. Pure constants with no imports, so infra/ can use them without
 * loading any handler code.
 */

/** The environment variables infra/ sets and runtime-config.ts parses: the one list of their names. */
export const RUNTIME_ENV = {
  /** Overrides of the database link for local runs and tests (never set by infra/). */
  dbHost: "DRIFT_DB_HOST",
  dbPort: "DRIFT_DB_PORT",
  dbName: "DRIFT_DB_NAME",
  dbUser: "DRIFT_DB_USER",
  dbPassword: "DRIFT_DB_PASSWORD",
  dbSslMode: "DRIFT_DB_SSLMODE",
  /**
   * The Secrets Manager secret with the application login's password (`{"username", "password"}`, the secret RDS
   * Proxy authenticates it with). Set: the password is read from it at run time (rotation needs no redeploy);
   * unset: the link's (or DRIFT_DB_PASSWORD's) password, fixed at deploy time.
   */
  dbSecretArn: "DRIFT_DB_SECRET_ARN",
  /** The stage: the `stage` dimension of every metric (infra/functions/common.ts sets it for every function). */
  stage: "DRIFT_STAGE",
  /**
   * The queue a function sends to: the dispatcher the sweep queue, the webhook the re-check queue, the workers the
   * re-check queue too (targets not resolved in time go back there with a short backoff).
   */
  queueUrl: "DRIFT_QUEUE_URL",
  /** Worker (reads it) and dispatcher (asks only whether it has a value): the GitHub (and Gitea) credentials. */
  githubSecretArn: "DRIFT_GITHUB_SECRET_ARN",
  /** API in bearer mode: the Secrets Manager secret with the admin token. */
  adminTokenSecretArn: "DRIFT_ADMIN_TOKEN_SECRET_ARN",
  /** Webhook receiver: the Secrets Manager secret with the HMAC secrets of its routes. */
  webhookSecretArn: "DRIFT_WEBHOOK_SECRET_ARN",
  eventBusName: "DRIFT_EVENT_BUS_NAME",
  githubApiUrl: "GITHUB_API_URL",
  adminAuth: "DRIFT_ADMIN_AUTH",
  corsOrigins: "DRIFT_CORS_ORIGINS",
  /** Worker: the global minimum release age (`7d`, `36h`, `90m`; unset or empty = none). */
  minReleaseAge: "DRIFT_MIN_RELEASE_AGE",
  /** The admin page's address that notifications link to (optional; no link when unset). */
  adminUrl: "DRIFT_ADMIN_URL",
} as const;

/** Names of the variables of {@link RUNTIME_ENV}. */
export type RuntimeEnvName = (typeof RUNTIME_ENV)[keyof typeof RUNTIME_ENV];

/**
 * SST links that carry database logins (SST ships them encrypted in the bundle, so no password is ever a plain
 * environment variable). Each has `host, port, database, username, password, sslmode`.
 * - `Database`: the owner (RDS master user, or the external database's owner): the migrate function only.
 * - `AppDatabase`: the application role (`drift_app`, least privilege): dispatcher, worker and API. The migrate
 *   function is linked to it too, to set the role's password.
 */
export const DATABASE_LINKS = { owner: "Database", app: "AppDatabase" } as const;

/** The least-privilege role the functions log in as (created by migration 005_app_role). */
export const APP_ROLE = "drift_app";

/**
 * TLS mode of every connection in AWS: certificate chain and host name verified against Node's trust store
 * (RDS Proxy presents an ACM certificate chaining to Amazon Root CA 1, which Node ships).
 */
export const AWS_SSLMODE = "verify-full";

/**
 * How long the migrate step keeps retrying a database that is not ready yet (a new RDS Proxy whose target is
 * still registering). infra/functions/migrate.ts gives the function this plus room for the migrations.
 */
export const MIGRATE_MAX_WAIT_MS = 6 * 60_000;
