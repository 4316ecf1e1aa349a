import { MIGRATE_MAX_WAIT_MS } from "../../packages/aws/src/runtime-env";
import { baseFunctionArgs, databaseSecretRead, type FunctionContext } from "./common";

/** Migrate's timeout: the wait for a starting proxy (6 minutes) plus four for the migrations themselves. */
export const MIGRATE_TIMEOUT_SECONDS = MIGRATE_MAX_WAIT_MS / 1000 + 240;

/**
 * Runs the migrations on every deploy that changes the code: a function that calls `migrate(sql)`, invoked by
 * the deployment itself (`aws.lambda.Invocation`). A failing migration fails the deploy, before anything
 * reads a schema it does not have. Migrations are idempotent, so re-running them is harmless.
 * `dev: false`: under `sst dev` it still runs in AWS (a laptop cannot reach the private proxy, and a live stub's
 * code hash never changes, so migrations would never re-run).
 */
export function createMigration(ctx: FunctionContext, dependsOn: $util.Resource[]) {
  const fn = new sst.aws.Function("Migrate", {
    ...baseFunctionArgs(ctx, "migrate"),
    description: "Plugin drift sweeper: applies database migrations (invoked on deploy)",
    timeout: `${MIGRATE_TIMEOUT_SECONDS} seconds`,
    memory: "512 MB",
    retries: 0,
    dev: false,
    // The application secret, read at run time: the role gets the password the proxy authenticates it with.
    permissions: databaseSecretRead(ctx),
  });
  const invocation = new aws.lambda.Invocation(
    "MigrateOnDeploy",
    {
      functionName: fn.name,
      input: JSON.stringify({}),
      // A new bundle means new code, possibly new migrations: run again. Unchanged code: nothing to do.
      // codeSha256 is what AWS computed from the uploaded code (SST uploads through S3, so sourceCodeHash is
      // never set and would never change).
      triggers: { code: fn.nodes.function.apply((f) => f.codeSha256) },
    },
    { dependsOn },
  );
  return { fn, invocation };
}
