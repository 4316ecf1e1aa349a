/**
 * Lambda: applies the database migrations. Invoked by the deployment itself (infra/functions/migrate.ts,
 * `aws.lambda.Invocation`), so a failed migration fails the deploy. Idempotent: a second run applies nothing.
 * The waiting for a starting database and the application role's password: packages/aws/src/migrate-handler.ts.
 */
// Subpath imports: migrate needs neither the stores nor the SDK clients the other handlers pull in.

import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { createLambdaMetrics } from "@drift/aws/metrics-sink";
import { createMigrateHandler, type MigrateOutcome } from "@drift/aws/migrate";
import {
  createLambdaSql,
  DATABASE_LINKS,
  databaseLogin,
  databaseUrl,
  linkedLogin,
  RUNTIME_ENV,
} from "@drift/aws/runtime";
import { secretLogin } from "@drift/aws/secret-login";
import { Metric } from "@drift/core";

/**
 * Returns the migrations applied, what was waited for and the role's password state; the deploy output shows
 * it as `migrationResult`. Logs in as the owner (`Database` link). One client per invocation, closed at the end:
 * this runs once per deploy, so a warm connection would only hold an RDS Proxy slot for nothing.
 */
export async function handler(): Promise<MigrateOutcome> {
  const sql = createLambdaSql(databaseUrl(databaseLogin(DATABASE_LINKS.owner)));
  try {
    const outcome = await createMigrateHandler({
      sql: () => sql,
      // The application role's password is the application secret's (the one the proxy authenticates it with),
      // read now: a rotated secret is what the role gets at the next deploy, not the value deployed with the link.
      appRole: process.env[RUNTIME_ENV.dbSecretArn]
        ? () => secretLogin(process.env[RUNTIME_ENV.dbSecretArn] as string)
        : linkedLogin(DATABASE_LINKS.app),
    })();
    // Marks the deploy: NoCompletedSweep waits for the first sweep that could have run (infra/alarms.ts).
    const metrics = createLambdaMetrics("migrate", process.env[RUNTIME_ENV.stage] || "local");
    metrics.addMetric(Metric.Deployments, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return outcome;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
