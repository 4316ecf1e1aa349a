import { DescribeSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** The reason a sweep is skipped while the GitHub credentials secret has no value (first deploy). */
export const CREDENTIALS_UNSET =
  "GitHub credentials not configured: the secret has no value yet (docs/deploy.md)";

/**
 * Whether a secret holds a current value, asked with DescribeSecret (metadata only: the caller never reads the
 * credentials). Infra creates the secrets empty; an operator puts the value after the first deploy.
 */
export async function secretHasValue(client: SecretsManagerClient, secretId: string): Promise<boolean> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return Object.values(described.VersionIdsToStages ?? {}).some((stages) => stages.includes("AWSCURRENT"));
}

/**
 * The dispatcher's preflight: {@link CREDENTIALS_UNSET} while the GitHub credentials secret is empty, so the
 * hour's sweep is recorded as skipped instead of queuing messages no worker can resolve (they would fail five
 * times into the dead-letter queue). No secret configured (local runs) is never a reason.
 */
export function credentialsPreflight(
  client: SecretsManagerClient,
  secretId: string,
): () => Promise<string | null> {
  return async () => (!secretId || (await secretHasValue(client, secretId)) ? null : CREDENTIALS_UNSET);
}

/** True for the Secrets Manager answer to reading a secret that has no value (or does not exist). */
export function isNoSecretValue(error: unknown): boolean {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error && cause.name === "ResourceNotFoundException";
}
