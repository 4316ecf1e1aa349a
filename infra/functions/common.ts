import { METRICS_NAMESPACE } from "../../packages/core/src/metrics";
import type { FunctionNetwork } from "../network";
import type { StageSettings } from "../stage";

/** The `service` dimension of every metric a function emits (Powertools reads POWERTOOLS_SERVICE_NAME). */
export type ServiceName = "dispatcher" | "worker" | "api" | "migrate" | "webhook";

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
} as const satisfies Record<ServiceName, string>;

/** What every function is built from: the stage, the network and the database link. */
export interface FunctionContext {
  readonly settings: StageSettings;
  readonly network: FunctionNetwork;
  /** Linked, so SST ships the credentials in its encrypted resource file (`Resource.Database`). */
  readonly database: sst.aws.Postgres | sst.Linkable<Record<string, unknown>>;
  /** Resources to create or update first (the migration run: no new code against an old schema). */
  readonly after?: $util.Input<$util.Resource>[];
}

/** Resource options of a function: deploy it after `ctx.after`. */
export function functionOptions(ctx: FunctionContext): $util.ComponentResourceOptions {
  return ctx.after?.length ? { dependsOn: ctx.after } : {};
}

/**
 * The arguments every handler shares. Only the database is linked here; each function adds exactly the
 * permissions and environment it needs (functions/shared/runtime.ts reads them).
 */
export function baseFunctionArgs(
  ctx: FunctionContext,
  service: ServiceName,
  environment: Record<string, $util.Input<string>> = {},
): sst.aws.FunctionArgs {
  return {
    handler: HANDLERS[service],
    runtime: RUNTIME,
    architecture: ARCHITECTURE,
    vpc: ctx.network,
    link: [ctx.database],
    logging: { retention: ctx.settings.logRetention },
    nodejs: { format: "esm", minify: true },
    environment: {
      POWERTOOLS_SERVICE_NAME: service,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: ctx.settings.production ? "INFO" : "DEBUG",
      ...environment,
    },
  };
}
