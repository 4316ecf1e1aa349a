import { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { Log } from "@drift/core";
import type { Sql } from "@drift/db/client";
import { runtimePassword } from "./db-password";
import { powertoolsLog } from "./log";
import { createLambdaMetrics } from "./metrics-sink";
import { createLambdaSql, type RuntimeConfig, runtimeConfig } from "./runtime-config";

/** What every Lambda builds once per container: its configuration, database client, logger and metrics. */
export interface LambdaRuntime {
  readonly config: RuntimeConfig;
  readonly sql: Sql;
  /** The Powertools logger (for `addContext`); `log` is the same logger behind the core `Log` port. */
  readonly logger: Logger;
  readonly log: Log;
  /** Powertools Metrics with the `service` and `stage` dimensions. */
  readonly metrics: Metrics;
}

/**
 * The one set-up of a Lambda entry file (functions/*.ts), called at module load so warm invocations reuse it.
 *
 * @example
 * const { config, sql, log, metrics } = lambdaRuntime("worker");
 */
export function lambdaRuntime(service: string): LambdaRuntime {
  const config = runtimeConfig();
  const logger = new Logger({ serviceName: service });
  return {
    config,
    sql: lambdaSql(config),
    logger,
    log: powertoolsLog(logger),
    metrics: createLambdaMetrics(service, config.stage),
  };
}

/**
 * The database client of a function's configuration: the application login, its password read at run time from
 * `databaseSecretArn` when there is one (so a rotation needs no redeploy).
 */
export function lambdaSql(config: Pick<RuntimeConfig, "databaseUrl" | "databaseSecretArn">): Sql {
  const secretId = config.databaseSecretArn;
  return createLambdaSql(config.databaseUrl, secretId ? runtimePassword({ secretId }) : undefined);
}
