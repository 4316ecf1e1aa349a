import { RUNTIME_ENV } from "../packages/aws/src/runtime-env";
import {
  baseFunctionArgs,
  databaseSecretRead,
  type FunctionContext,
  functionOptions,
} from "./functions/common";
import { readSecret } from "./secrets";

/**
 * Reserved for the webhook function: a new account's default quota is 1,000 concurrent executions and Lambda keeps
 * 100 unreserved, so 10 always fits (docs/deploy.md). A delivery takes well under a second: 10 at once is hundreds
 * of deliveries a second, far above what GitHub sends; beyond it Lambda answers 429 and GitHub shows the failure.
 */
export const WEBHOOK_RESERVED_CONCURRENCY = 10;

/**
 * The webhook receiver: its own function and Function URL with no AWS auth (GitHub and Gitea cannot sign with
 * SigV4; the HMAC signature of each delivery is the authentication, checked by the app). It may read exactly its
 * own secret and send to the re-check queue (read by the worker code with no batching window), nothing else: no
 * admin token, no GitHub credentials, no event bus.
 *
 * The secret (`{"githubWebhookSecret", "giteaWebhookSecret"}`) is a Secrets Manager secret created empty, like
 * the others; docs/deploy.md shows how to fill it and register the webhook.
 */
export function createWebhook(ctx: FunctionContext, recheckQueue: sst.aws.Queue) {
  const secret = new aws.secretsmanager.Secret("WebhookSecrets", {
    name: `${$app.name}/${$app.stage}/webhook-secrets`,
    description: "HMAC secrets of the drift webhook receiver: {githubWebhookSecret, giteaWebhookSecret}",
    recoveryWindowInDays: ctx.settings.production ? 30 : 0,
  });
  const fn = new sst.aws.Function(
    "Webhook",
    {
      ...baseFunctionArgs(ctx, "webhook", {
        [RUNTIME_ENV.queueUrl]: recheckQueue.url,
        [RUNTIME_ENV.webhookSecretArn]: secret.arn,
        POWERTOOLS_PARAMETERS_MAX_AGE: "300",
      }),
      description: "Plugin drift sweeper: signed GitHub/Gitea webhooks queue an immediate re-check",
      // A delivery is a few queries and one SendMessageBatch; GitHub gives up after 10 seconds.
      timeout: "10 seconds",
      memory: "512 MB",
      permissions: [
        { actions: ["sqs:SendMessage"], resources: [recheckQueue.arn] },
        readSecret(secret),
        ...databaseSecretRead(ctx),
      ],
      url: { authorization: "none", cors: false },
      // A public URL: a flood costs at most this many concurrent invocations (and proxy sessions).
      concurrency: { reserved: WEBHOOK_RESERVED_CONCURRENCY },
    },
    functionOptions(ctx),
  );
  return { function: fn, secret, url: fn.url };
}
