import { RUNTIME_ENV } from "../../packages/aws/src/runtime-env";
import { publishTo } from "../events";
import { readSecret } from "../secrets";
import { baseFunctionArgs, databaseSecretRead, type FunctionContext, functionOptions } from "./common";

/**
 * The admin API on a Lambda Function URL.
 *
 * - `bearer` (default): the URL is public and the app checks `Authorization: Bearer <token>` against the
 *   admin-token secret, the only secret it may read;
 * - `iam`: the URL requires SigV4 (AWS checks the caller) and the function gets no secret at all.
 * "Re-check now" (`POST /admin/targets/recheck`) sends the target to the re-check queue, as a webhook does.
 * CORS is answered in exactly one place, so a response never carries two Access-Control-Allow-Origin headers:
 * - bearer: by the app (the code path `drift serve` and the tests run), the Function URL has no CORS config;
 * - iam: by the Function URL, because browsers send preflights unsigned and IAM would refuse them before the app.
 */
export function createApi(
  ctx: FunctionContext,
  bus: sst.aws.Bus,
  adminTokenSecret: aws.secretsmanager.Secret,
  recheckQueue: sst.aws.Queue,
) {
  const { adminAuth, corsOrigins } = ctx.settings;
  const bearer = adminAuth === "bearer";
  return new sst.aws.Function(
    "Api",
    {
      ...baseFunctionArgs(ctx, "api", {
        [RUNTIME_ENV.adminAuth]: adminAuth,
        [RUNTIME_ENV.corsOrigins]: bearer ? corsOrigins.join(",") : "",
        [RUNTIME_ENV.eventBusName]: bus.name,
        // "Re-check now" of a failing target: resolved at once by the re-check worker.
        [RUNTIME_ENV.queueUrl]: recheckQueue.url,
        // Repository links of rows whose review packet is not fetched yet.
        [RUNTIME_ENV.githubApiUrl]: ctx.settings.githubApiUrl,
        // Powertools Parameters cache of the admin token: a rotated token is picked up within five minutes.
        ...(bearer
          ? { [RUNTIME_ENV.adminTokenSecretArn]: adminTokenSecret.arn, POWERTOOLS_PARAMETERS_MAX_AGE: "300" }
          : {}),
      }),
      description: "Plugin drift sweeper: admin API (pending updates, apply, dismiss)",
      timeout: "15 seconds",
      memory: "512 MB",
      permissions: [
        publishTo(bus),
        { actions: ["sqs:SendMessage"], resources: [recheckQueue.arn] },
        ...(bearer ? [readSecret(adminTokenSecret)] : []),
        ...databaseSecretRead(ctx),
      ],
      url: {
        authorization: bearer ? "none" : "iam",
        cors:
          bearer || corsOrigins.length === 0
            ? false
            : {
                allowOrigins: [...corsOrigins],
                allowMethods: ["GET", "POST"],
                // A browser signing with SigV4 sends these too.
                allowHeaders: [
                  "authorization",
                  "content-type",
                  "x-amz-date",
                  "x-amz-security-token",
                  "x-amz-content-sha256",
                ],
                maxAge: "1 hour",
              },
      },
    },
    functionOptions(ctx),
  );
}
