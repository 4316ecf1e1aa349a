/**
 * Configuration of the Lambda functions, read once per cold start from the environment that infra/ sets.
 * Handlers read nothing else from the environment.
 */
export interface RuntimeConfig {
  /** postgres:// URL of the RDS Proxy endpoint (TLS required). */
  readonly databaseUrl: string;
  readonly queueUrl: string;
  /** Secrets Manager secret with the GitHub credentials and the admin token (JSON). */
  readonly credentialsSecretArn: string;
  readonly eventBusName: string;
  readonly githubApiUrl: string;
  readonly adminAuth: "bearer" | "iam";
  readonly corsOrigins: readonly string[];
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

let cached: RuntimeConfig | undefined;

export function runtimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  if (cached && env === process.env) return cached;
  const user = encodeURIComponent(required(env, "DRIFT_DB_USER"));
  const password = encodeURIComponent(required(env, "DRIFT_DB_PASSWORD"));
  const config: RuntimeConfig = {
    databaseUrl: `postgres://${user}:${password}@${required(env, "DRIFT_DB_HOST")}:${env.DRIFT_DB_PORT ?? "5432"}/${required(env, "DRIFT_DB_NAME")}?sslmode=require`,
    queueUrl: env.DRIFT_QUEUE_URL ?? "",
    credentialsSecretArn: env.DRIFT_CREDENTIALS_SECRET_ARN ?? "",
    eventBusName: env.DRIFT_EVENT_BUS_NAME ?? "default",
    githubApiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    adminAuth: env.DRIFT_ADMIN_AUTH === "iam" ? "iam" : "bearer",
    corsOrigins: (env.DRIFT_CORS_ORIGINS ?? "").split(",").filter(Boolean),
  };
  if (env === process.env) cached = config;
  return config;
}
