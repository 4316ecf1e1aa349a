import { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { Log } from "@drift/core";
import type { Sql } from "@drift/db/client";
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
    sql: createLambdaSql(config.databaseUrl),
    logger,
    log: powertoolsLog(logger),
    metrics: createLambdaMetrics(service, config.stage),
  };
}
