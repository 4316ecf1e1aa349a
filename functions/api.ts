/**
 * Admin API Lambda behind a Function URL: the same Hono app as `drift serve`, adapted with `hono/aws-lambda`.
 * Auth: bearer token from Secrets Manager (key `adminToken` of the admin-token secret, cached 5 minutes, so a
 * rotation is picked up without a deploy), or IAM auth on the Function URL (AWS checked SigV4 already).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { type AdminAppOptions, createAdminApp } from "@drift/api";
import {
  createEventBridgeNotifier,
  createLambdaMetrics,
  loadGitHubCredentials,
  powertoolsLog,
} from "@drift/aws";
import { createLambdaSql, runtimeConfig } from "@drift/aws/runtime";
import { Metric } from "@drift/core";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import { handle } from "hono/aws-lambda";

/** Builds the Function URL handler around the admin app (tests pass their own database and notifier). */
export function createApiHandler(options: AdminAppOptions & { onInvoke?: (context?: Context) => void }) {
  const lambda = handle(createAdminApp(options));
  type HonoEvent = Parameters<typeof lambda>[0];
  // Function URL payloads are API Gateway v2 payloads; hono types a few requestContext fields more narrowly.
  return async (event: LambdaFunctionURLEvent, context?: Context) => {
    options.onInvoke?.(context);
    return lambda(event as unknown as HonoEvent, context as never);
  };
}

/** The admin token from the admin-token secret (`adminToken`), through the shared, cached credentials loader. */
export async function loadAdminToken(secretArn: string, maxAgeSeconds = 300): Promise<string> {
  const { adminToken } = await loadGitHubCredentials({ secretId: secretArn, maxAgeSeconds });
  if (!adminToken) throw new Error("the credentials secret has no adminToken");
  return adminToken;
}

// Created once per container, outside the handler: warm invocations reuse the connection and clients.
const config = runtimeConfig();
const sql = createLambdaSql(config.databaseUrl);
const logger = new Logger({ serviceName: "api" });
const metrics = createLambdaMetrics("api", config.stage);

export const handler = createApiHandler({
  sql,
  auth:
    config.adminAuth === "iam"
      ? { mode: "iam" }
      : { mode: "bearer", token: () => loadAdminToken(config.adminTokenSecretArn) },
  corsOrigins: config.corsOrigins,
  notifier: createEventBridgeNotifier({
    client: new EventBridgeClient({}),
    eventBusName: config.eventBusName,
  }),
  logger: powertoolsLog(logger),
  onDecision: (decision) =>
    metrics
      .singleMetric()
      .addMetric(
        decision === "applied" ? Metric.UpdatesApplied : Metric.UpdatesDismissed,
        MetricUnit.Count,
        1,
      ),
  onInvoke: (context) => {
    if (context) logger.addContext(context);
  },
});
