/**
 * Stage-aware settings: what differs between a developer's stage and production, in one place.
 *
 * Pure: no SST globals, so `app()` in sst.config.ts and the tests can call it. Deploy-time overrides come from
 * the environment of `sst deploy` (SST also loads `.env` and `.env.<stage>`); docs/deploy.md lists them.
 */

import { parseReleaseAge } from "../packages/core/src/policy";
import {
  type AdminAuthMode,
  parseAdminAuthMode,
  parseCorsOrigins,
  SettingError,
} from "../packages/core/src/settings";

/** How the admin API authenticates: a bearer token checked by the app, or AWS IAM on the Function URL. */
export type AdminAuth = AdminAuthMode;

/** CloudWatch Logs retention, in the words SST's `logging.retention` accepts. */
export type LogRetention = "1 week" | "1 month" | "3 months";

/** The database the functions use: the one this app deploys, or the platform's own (behind its RDS Proxy). */
export type DatabaseSettings =
  | {
      readonly kind: "bundled";
      /** RDS instance class without the `db.` prefix. */
      readonly instance: string;
      readonly storage: `${number} GB`;
      readonly multiAz: boolean;
    }
  | {
      readonly kind: "external";
      /** Endpoint of the RDS Proxy in front of the platform's database. */
      readonly host: string;
      readonly port: number;
      readonly database: string;
      /** Secrets Manager secret `{"username","password"}` of the owner (the one the RDS Proxy uses): migrate only. */
      readonly ownerSecretArn: string;
      /**
       * Secret `{"username": "drift_app","password"}` of the application role, registered with the proxy: what
       * the dispatcher, worker and API log in as. Unset: they log in as the owner.
       */
      readonly appSecretArn: string | undefined;
      /** Private subnets (with a NAT route) and security groups that reach the proxy. */
      readonly privateSubnets: readonly string[];
      readonly securityGroups: readonly string[];
    };

export interface StageSettings {
  readonly stage: string;
  readonly production: boolean;
  /** What `sst remove` does with stateful resources. */
  readonly removal: "remove" | "retain";
  /** Refuse `sst remove` on this stage. */
  readonly protect: boolean;
  /** Managed NAT gateway (production) or a small NAT instance (cheap, fine for development). */
  readonly nat: "managed" | "ec2";
  readonly database: DatabaseSettings;
  /** Hourly sweep on or off. Off by default outside production so idle stages cost nothing and page nobody. */
  readonly scheduleEnabled: boolean;
  readonly adminAuth: AdminAuth;
  /** Origins allowed to call the admin API from a browser (Function URL CORS and the app's own check). */
  readonly corsOrigins: readonly string[];
  readonly githubApiUrl: string;
  /** Upper bound of concurrent worker invocations (SQS event source maximum concurrency, 2..1000). */
  readonly workerMaxConcurrency: number;
  readonly logRetention: LogRetention;
  /** An e-mail address subscribed to the alarm topic at deploy time (optional). */
  readonly alarmEmail: string | undefined;
  /** Alarm when the minimum remaining GitHub rate budget of an hour falls below this many points. */
  readonly rateBudgetLowThreshold: number;
  /** DRIFT_MIN_RELEASE_AGE for the worker (a duration such as 72h; "0": no cooling down). */
  readonly minReleaseAge: string;
  /** DRIFT_ADMIN_URL: the admin page notifications link to (https; "" for no link). */
  readonly adminUrl: string;
}

const PRODUCTION_STAGES = new Set(["prod", "production"]);

/** `prod` and `production` are production; every other stage is a development stage. */
export function isProductionStage(stage: string): boolean {
  return PRODUCTION_STAGES.has(stage);
}

/** Thrown for a deploy-time setting that cannot be used; the message names the variable. */
export class StageSettingsError extends Error {
  override name = "StageSettingsError";
}

type Env = Readonly<Record<string, string | undefined>>;

function releaseAge(env: Env): string {
  const value = env.DRIFT_MIN_RELEASE_AGE?.trim() || "0";
  if (parseReleaseAge(value) === null)
    throw new StageSettingsError(
      `DRIFT_MIN_RELEASE_AGE must be a duration such as 72h or 3d, got "${value}"`,
    );
  return value;
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === "") return fallback;
  if (["on", "true", "1", "yes"].includes(value)) return true;
  if (["off", "false", "0", "no"].includes(value)) return false;
  throw new StageSettingsError(`${name} must be on or off, got "${env[name]}"`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StageSettingsError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function required(env: Env, name: string, why: string): string {
  const value = env[name]?.trim();
  if (!value) throw new StageSettingsError(`${name} is required ${why}`);
  return value;
}

/** The shared security-setting parsers (packages/core/src/settings.ts), their errors as StageSettingsError. */
function security<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SettingError) throw new StageSettingsError(error.message);
    throw error;
  }
}

function origins(env: Env, fallback: readonly string[]): readonly string[] {
  if (env.DRIFT_CORS_ORIGINS === undefined) return fallback;
  // Exact https origins only (never "*": in bearer mode it silently blocks every browser; never "null").
  return security(() => parseCorsOrigins(env.DRIFT_CORS_ORIGINS));
}

function apiUrl(env: Env): string {
  const value = env.DRIFT_GITHUB_API_URL?.trim() || "https://api.github.com";
  if (!/^https?:\/\/[^\s/]+/i.test(value)) {
    throw new StageSettingsError(`DRIFT_GITHUB_API_URL must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, "");
}

function database(env: Env, production: boolean): DatabaseSettings {
  const kind = env.DRIFT_DATABASE?.trim() || "bundled";
  if (kind === "bundled") {
    return {
      kind,
      instance: env.DRIFT_DB_INSTANCE?.trim() || (production ? "t4g.small" : "t4g.micro"),
      storage: `${integer(env, "DRIFT_DB_STORAGE_GB", 20, 20, 65536)} GB`,
      multiAz: flag(env, "DRIFT_DB_MULTI_AZ", false),
    };
  }
  if (kind === "external") {
    const why = "when DRIFT_DATABASE=external";
    const privateSubnets = list(required(env, "DRIFT_VPC_PRIVATE_SUBNETS", why));
    const securityGroups = list(required(env, "DRIFT_VPC_SECURITY_GROUPS", why));
    return {
      kind,
      host: required(env, "DRIFT_EXTERNAL_DB_HOST", why),
      port: integer(env, "DRIFT_EXTERNAL_DB_PORT", 5432, 1, 65535),
      database: required(env, "DRIFT_EXTERNAL_DB_NAME", why),
      ownerSecretArn: required(env, "DRIFT_EXTERNAL_DB_SECRET_ARN", why),
      appSecretArn: env.DRIFT_EXTERNAL_DB_APP_SECRET_ARN?.trim() || undefined,
      privateSubnets,
      securityGroups,
    };
  }
  throw new StageSettingsError(`DRIFT_DATABASE must be bundled or external, got "${kind}"`);
}

/**
 * The settings of one stage.
 *
 * @example
 * const settings = stageSettings($app.stage, process.env);
 * if (settings.scheduleEnabled) new sst.aws.CronV2(...);
 */
export function stageSettings(stage: string, env: Env = {}): StageSettings {
  const production = isProductionStage(stage);
  const adminAuth = security(() => parseAdminAuthMode(env.DRIFT_ADMIN_AUTH));
  return {
    stage,
    production,
    removal: production ? "retain" : "remove",
    protect: production,
    nat: production ? "managed" : "ec2",
    database: database(env, production),
    scheduleEnabled: flag(env, "DRIFT_SCHEDULE", production),
    adminAuth,
    // Development stages accept a local admin UI; production only what the operator lists.
    corsOrigins: origins(env, production ? [] : ["http://localhost:5173", "http://127.0.0.1:5173"]),
    githubApiUrl: apiUrl(env),
    workerMaxConcurrency: integer(env, "DRIFT_WORKER_MAX_CONCURRENCY", production ? 5 : 2, 2, 1000),
    logRetention: production ? "3 months" : "1 week",
    alarmEmail: env.DRIFT_ALARM_EMAIL?.trim() || undefined,
    rateBudgetLowThreshold: integer(env, "DRIFT_RATE_BUDGET_LOW", 500, 0, 1_000_000),
    minReleaseAge: releaseAge(env),
    adminUrl: adminPageUrl(env),
  };
}

/** DRIFT_ADMIN_URL, when set, must be an https URL (notifications link to it). */
function adminPageUrl(env: Env): string {
  const value = env.DRIFT_ADMIN_URL?.trim() ?? "";
  if (value && !/^https:\/\/[^\s/]+/.test(value)) {
    throw new Error(`DRIFT_ADMIN_URL must be an https:// URL, got "${value}"`);
  }
  return value;
}
