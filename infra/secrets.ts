import type { StageSettings } from "./stage";

/**
 * Secrets Manager secrets (not `sst.Secret`, which lives in SST's state): operators rotate them with the AWS CLI
 * or console and the functions read them at run time through Powertools Parameters (cached a few minutes).
 *
 * Two secrets so each function can be given exactly the one it needs:
 * - `github`: read by the worker only. JSON `{"githubToken": "…"}` or
 *   `{"githubApp": {"appId": "…", "privateKey": "-----BEGIN…", "installationId": "…"}}`, optionally `"giteaToken"`.
 * - `adminToken`: read by the admin API only (when it uses bearer auth). JSON `{"adminToken": "…"}`.
 *
 * The values are never in the infrastructure code or state: deploy creates empty secrets, docs/deploy.md shows
 * the `aws secretsmanager put-secret-value` commands.
 */
export function createSecrets(settings: StageSettings) {
  const prefix = `${$app.name}/${$app.stage}`;
  // Dev stages are torn down and recreated: skip the 7-30 day recovery window so the name is free again.
  const recoveryWindowInDays = settings.production ? 30 : 0;
  const github = new aws.secretsmanager.Secret("GitHubCredentials", {
    name: `${prefix}/github`,
    description:
      "GitHub credentials of the drift worker: githubToken, or githubApp {appId, privateKey, installationId}",
    recoveryWindowInDays,
  });
  const adminToken = new aws.secretsmanager.Secret("AdminToken", {
    name: `${prefix}/admin-token`,
    description: "Bearer token of the drift admin API: {adminToken}",
    recoveryWindowInDays,
  });
  return { github, adminToken };
}

/** The IAM statement that lets a function read exactly one secret. */
export function readSecret(secret: aws.secretsmanager.Secret): sst.aws.FunctionPermissionArgs {
  return { actions: ["secretsmanager:GetSecretValue"], resources: [secret.arn] };
}

/** The IAM statement that lets a function see whether a secret has a value, never the value itself. */
export function describeSecret(secret: aws.secretsmanager.Secret): sst.aws.FunctionPermissionArgs {
  return { actions: ["secretsmanager:DescribeSecret"], resources: [secret.arn] };
}
