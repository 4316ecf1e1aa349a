import { APP_ROLE, AWS_SSLMODE, DATABASE_LINKS } from "../packages/aws/src/runtime-env";
import type { StageSettings } from "./stage";

/** The linkable that carries the owner's login (read as `Resource.Database` by the migrate function only). */
export const DATABASE_LINK_NAME = DATABASE_LINKS.owner;

/** The two logins the functions are linked to: the owner (migrate) and the application role (the others). */
export interface Databases {
  readonly owner: sst.aws.Postgres | sst.Linkable<Record<string, unknown>>;
  readonly app: sst.Linkable<Record<string, unknown>>;
  /** The Secrets Manager secret `{username, password}` of the application role (absent: no role login). */
  readonly appSecret: aws.secretsmanager.Secret | undefined;
  /**
   * The secret the functions read their login's password from at run time: the one the proxy authenticates
   * that login with (bundled: `appSecret`; external: the registered application secret, else the owner's).
   */
  readonly appSecretArn: $util.Input<string> | undefined;
}

type Login = { username: string; password: string };

/**
 * The application role's secret `{"username": "drift_app", "password": …}`. The password is drawn once from
 * Secrets Manager's generator and kept: later deploys draw another but `ignoreChanges` keeps the stored one.
 * The migrate function sets it on the role (migration 005_app_role creates the role).
 */
function appRoleSecret(settings: StageSettings) {
  const secret = new aws.secretsmanager.Secret("AppDbCredentials", {
    name: `${$app.name}/${$app.stage}/db-app`,
    description: `Login of the least-privilege database role ${APP_ROLE} (dispatcher, worker, API)`,
    recoveryWindowInDays: settings.production ? 30 : 0,
  });
  const generated = aws.secretsmanager.getRandomPasswordOutput({
    passwordLength: 40,
    excludePunctuation: true,
  });
  const version = new aws.secretsmanager.SecretVersion(
    "AppDbCredentialsValue",
    {
      secretId: secret.id,
      secretString: $jsonStringify({ username: APP_ROLE, password: generated.randomPassword }),
    },
    { ignoreChanges: ["secretString"] },
  );
  const login = $jsonParse(version.secretString.apply((text) => text ?? "{}")) as $util.Output<Login>;
  return { secret, version, password: $util.secret(login.apply((c) => c.password)) };
}

/** The `AppDatabase` link: the owner's endpoint with the application role's login, TLS verified. */
function appLink(
  endpoint: { host: $util.Input<string>; port: $util.Input<number>; database: $util.Input<string> },
  login: { username: $util.Input<string>; password: $util.Input<string> },
) {
  return new sst.Linkable(DATABASE_LINKS.app, {
    properties: { ...endpoint, ...login, sslmode: AWS_SSLMODE },
  });
}

/**
 * Adds the application secret to the proxy's auths and lets the proxy's role (SST's, which reads only SST's
 * master secret) read it. Runs inside SST's proxy transform, the one place the role's ARN is at hand.
 */
function registerAppSecret(args: aws.rds.ProxyArgs, secret: aws.secretsmanager.Secret) {
  type ProxyAuth = aws.types.input.rds.ProxyAuth;
  const existing = $output(args.auths ?? []) as $util.Output<ProxyAuth[]>;
  args.auths = $util.all([existing, secret.arn]).apply(([auths, arn]): ProxyAuth[] => [
    ...auths,
    {
      authScheme: "SECRETS",
      iamAuth: "DISABLED",
      secretArn: arn,
      description: `${APP_ROLE} (application)`,
    },
  ]);
  new aws.iam.RolePolicy("DatabaseProxyAppSecretRead", {
    role: $output(args.roleArn).apply((arn) => arn.slice(arn.lastIndexOf("/") + 1)),
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secret.arn] }],
    }),
  });
}

/**
 * The Postgres the sweeper uses, always reached through an RDS Proxy: Lambda scales connections with
 * concurrency, the proxy pools them (the functions use postgres.js with `prepare: false` and `max: 1`, and no
 * session state, so the proxy never pins). Every connection verifies the proxy's certificate (`verify-full`).
 *
 * - bundled: an RDS Postgres 17 instance with SST's RDS Proxy, in this app's VPC, `rds.force_ssl=1`. The proxy
 *   knows two logins: the master user (migrate only) and the application role `drift_app`, whose secret is the
 *   project's `…/db-app` (the functions read the password from it at run time).
 * - external: the platform's own database behind its RDS Proxy; the owner's login comes from the secret the
 *   proxy uses, read at deploy time and shipped in SST's encrypted link (never a plain env var). The functions
 *   log in as the application role when DRIFT_EXTERNAL_DB_APP_SECRET_ARN names its secret (registered with the
 *   platform's proxy by its operators), else as the owner.
 */
export function createDatabase(settings: StageSettings, vpc: sst.aws.Vpc | undefined): Databases {
  const db = settings.database;
  if (db.kind === "external") {
    const read = (secretId: string) =>
      $jsonParse(aws.secretsmanager.getSecretVersionOutput({ secretId }).secretString) as $util.Output<Login>;
    const endpoint = { host: db.host, port: db.port, database: db.database };
    const loginOf = (secret: $util.Output<Login>) => ({
      username: secret.apply((c) => c.username),
      password: $util.secret(secret.apply((c) => c.password)),
    });
    const ownerLogin = loginOf(read(db.ownerSecretArn));
    const owner = new sst.Linkable(DATABASE_LINK_NAME, {
      properties: { ...endpoint, ...ownerLogin, sslmode: AWS_SSLMODE },
    });
    const app = appLink(endpoint, db.appSecretArn ? loginOf(read(db.appSecretArn)) : ownerLogin);
    return { owner, app, appSecret: undefined, appSecretArn: db.appSecretArn ?? db.ownerSecretArn };
  }
  if (!vpc) throw new Error("the bundled database needs the app's VPC");
  const role = appRoleSecret(settings);
  const owner = new sst.aws.Postgres(DATABASE_LINK_NAME, {
    vpc,
    version: "17",
    instance: db.instance,
    storage: db.storage,
    multiAz: db.multiAz,
    // Not `proxy.credentials`: SST would register a copy of the login in a secret of its own, and rotating
    // ours would change nothing. The proxy authenticates drift_app with our secret (registerAppSecret).
    proxy: true,
    database: "drift",
    transform: {
      // Clients connect with sslmode=verify-full; the proxy refuses anything without TLS.
      proxy: (args) => {
        args.requireTls = true;
        registerAppSecret(args, role.secret);
      },
      // SST's group sets rds.force_ssl=0: the proxy → database hop must be TLS too.
      parameterGroup: (args) => {
        args.parameters = $output(args.parameters ?? []).apply((params) => [
          ...params.filter((p) => p.name !== "rds.force_ssl"),
          { name: "rds.force_ssl", value: "1" },
        ]);
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
  const app = appLink(
    { host: owner.host, port: owner.port, database: owner.database },
    { username: APP_ROLE, password: role.password },
  );
  return { owner, app, appSecret: role.secret, appSecretArn: role.secret.arn };
}
