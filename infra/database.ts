import type { StageSettings } from "./stage";

/** The linkable that carries the database credentials to the functions (read as `Resource.Database`). */
export const DATABASE_LINK_NAME = "Database";

/**
 * The Postgres the sweeper uses, always reached through an RDS Proxy: Lambda scales connections with
 * concurrency, the proxy pools them (the functions use postgres.js with `prepare: false` and `max: 1`, and no
 * session state, so the proxy never pins).
 *
 * - bundled: an RDS Postgres 17 instance with SST's RDS Proxy, in this app's VPC.
 * - external: the platform's own database behind its RDS Proxy; credentials come from the Secrets Manager
 *   secret the proxy uses, read at deploy time and shipped in SST's encrypted link (never a plain env var).
 */
export function createDatabase(settings: StageSettings, vpc: sst.aws.Vpc | undefined) {
  const db = settings.database;
  if (db.kind === "external") {
    const secret = aws.secretsmanager.getSecretVersionOutput({ secretId: db.credentialsSecretArn });
    const credentials = $jsonParse(secret.secretString) as $util.Output<{
      username: string;
      password: string;
    }>;
    return new sst.Linkable(DATABASE_LINK_NAME, {
      properties: {
        host: db.host,
        port: db.port,
        database: db.database,
        username: credentials.apply((c) => c.username),
        password: $util.secret(credentials.apply((c) => c.password)),
      },
    });
  }
  if (!vpc) throw new Error("the bundled database needs the app's VPC");
  return new sst.aws.Postgres(DATABASE_LINK_NAME, {
    vpc,
    version: "17",
    instance: db.instance,
    storage: db.storage,
    multiAz: db.multiAz,
    proxy: true,
    database: "drift",
    transform: {
      // Clients connect with sslmode=require; the proxy refuses anything else.
      proxy: (args) => {
        args.requireTls = true;
      },
      instance: (args) => {
        // Production keeps a final snapshot and refuses accidental deletion; dev stages clean up fully.
        args.deletionProtection = settings.production;
        args.skipFinalSnapshot = !settings.production;
        if (settings.production) args.finalSnapshotIdentifier = `${$app.name}-${$app.stage}-final`;
        args.backupRetentionPeriod = settings.production ? 14 : 1;
      },
    },
  });
}
