import { RUNTIME_ENV, type RuntimeEnvName } from "../../packages/aws/src/runtime-env";
import { METRICS_NAMESPACE } from "../../packages/core/src/metrics";
import type { Databases } from "../database";
import type { FunctionNetwork } from "../network";
import type { StageSettings } from "../stage";

/** The `service` dimension of every metric a function emits (Powertools reads POWERTOOLS_SERVICE_NAME). */
export type ServiceName = "dispatcher" | "worker" | "api" | "migrate" | "webhook" | "rollout";

/** Lambda runtime and architecture of every handler (Graviton: cheaper per GB-second, same code). */
export const RUNTIME = "nodejs22.x";
export const ARCHITECTURE = "arm64";

/** Handler paths, relative to the repository root (files under functions/, export `handler`). */
export const HANDLERS = {
  dispatcher: "functions/dispatcher.handler",
  worker: "functions/worker.handler",
  api: "functions/api.handler",
  migrate: "functions/migrate.handler",
  webhook: "functions/webhook.handler",
  rollout: "functions/rollout-tick.handler",
} as const satisfies Record<ServiceName, string>;

/** What every function is built from: the stage, the network and the database logins. */
export interface FunctionContext {
  readonly settings: StageSettings;
  readonly network: FunctionNetwork;
  /** Linked, so SST ships the logins in its encrypted resource file (`Resource.Database`, `.AppDatabase`). */
  readonly databases: Databases;
  /** Resources to create or update first (the migration run: no new code against an old schema). */
  readonly after?: $util.Input<$util.Resource>[];
}

/**
 * Environment variables of a function: names from RUNTIME_ENV (the list the runtime parses) or Powertools'
 * own settings; any other name does not compile.
 */
export type RuntimeEnvironment = Partial<
  Record<RuntimeEnvName | `POWERTOOLS_${string}`, $util.Input<string>>
>;

/** Resource options of a function: deploy it after `ctx.after`. */
export function functionOptions(ctx: FunctionContext): $util.ComponentResourceOptions {
  return ctx.after?.length ? { dependsOn: ctx.after } : {};
}

/**
 * The arguments every handler shares. The migrate function logs in as the owner (and is linked to the
 * application role's login to set its password); every other function only as the application role. Each
 * function adds exactly the permissions and environment it needs (packages/aws/src/runtime-config.ts reads them).
 */
export function baseFunctionArgs(
  ctx: FunctionContext,
  service: ServiceName,
  environment: RuntimeEnvironment = {},
): sst.aws.FunctionArgs {
  const { owner, app, appSecretArn } = ctx.databases;
  // The application login's password is read at run time from the secret the proxy authenticates it with (the
  // migrate function reads it to give the role that password; it logs in itself as the owner, from its link).
  const dbSecret: RuntimeEnvironment = appSecretArn ? { [RUNTIME_ENV.dbSecretArn]: appSecretArn } : {};
  return {
    handler: HANDLERS[service],
    runtime: RUNTIME,
    architecture: ARCHITECTURE,
    vpc: ctx.network,
    link: service === "migrate" ? [owner, app] : [app],
    logging: { retention: ctx.settings.logRetention },
    nodejs: { format: "esm", minify: true },
    environment: {
      POWERTOOLS_SERVICE_NAME: service,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: ctx.settings.production ? "INFO" : "DEBUG",
      // The `stage` dimension of every metric: stages of one account and region never share a series.
      [RUNTIME_ENV.stage]: ctx.settings.stage,
      ...dbSecret,
      // The functions that send notifications link their messages to the admin page, when one is configured.
      ...(ctx.settings.adminUrl && ["dispatcher", "worker", "api"].includes(service)
        ? { [RUNTIME_ENV.adminUrl]: ctx.settings.adminUrl }
        : {}),
      ...environment,
    },
    transform: { role: lambdaOnlyTrust },
  };
}

/**
 * The IAM statement reading the application login's secret, for every function (migrate reads it to set the
 * role's password); none when the functions log in with the link's password only.
 */
export function databaseSecretRead(ctx: FunctionContext): sst.aws.FunctionPermissionArgs[] {
  const arn = ctx.databases.appSecretArn;
  return arn ? [{ actions: ["secretsmanager:GetSecretValue"], resources: [arn] }] : [];
}

/**
 * SST 4.17 decides a function role's trust policy on `!dev` where `dev` is an Output (always truthy), so every
 * role also trusts the account root (any principal of the account allowed sts:AssumeRole could take the role).
 * Only Lambda assumes these roles.
 */
function lambdaOnlyTrust(args: aws.iam.RoleArgs): undefined {
  args.assumeRolePolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "lambda.amazonaws.com" } },
    ],
  });
  return undefined;
}
