import { RUNTIME_ENV } from "../packages/aws/src/runtime-env";
import { baseFunctionArgs, type FunctionContext, functionOptions } from "./functions/common";
import { readSecret } from "./secrets";

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
      permissions: [{ actions: ["sqs:SendMessage"], resources: [recheckQueue.arn] }, readSecret(secret)],
      url: { authorization: "none", cors: false },
    },
    functionOptions(ctx),
  );
  return { function: fn, secret, url: fn.url };
}
