import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import * as z from "zod/mini";
import { SecretJsonError } from "./secret-json";
import { isNoSecretValue } from "./secret-presence";

/** The webhook secrets: one per route; an absent one makes its route answer 403 `webhook_secret_unset`. */
export interface WebhookSecrets {
  readonly github?: string;
  readonly gitea?: string;
}

// @__NO_SIDE_EFFECTS__
function buildShape() {
  const text = z.optional(z.string().check(z.trim()));
  return z.object({ githubWebhookSecret: text, giteaWebhookSecret: text });
}

/**
 * Parses the webhook secret's JSON, `{"githubWebhookSecret": "…", "giteaWebhookSecret": "…"}` (both optional).
 * Errors name keys, never values.
 */
export function parseWebhookSecrets(secretString: string): WebhookSecrets {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new SecretJsonError("webhook secret is not JSON");
  }
  const parsed = z.safeParse(buildShape(), json);
  if (!parsed.success) {
    const keys = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(root)"))].join(", ");
    throw new SecretJsonError(`webhook secret has invalid keys: ${keys}`);
  }
  const { githubWebhookSecret: github, giteaWebhookSecret: gitea } = parsed.data;
  return { ...(github ? { github } : {}), ...(gitea ? { gitea } : {}) };
}

/**
 * Loads the webhook secrets from Secrets Manager through Powertools' cache (`maxAgeSeconds`, default 300: a
 * rotation is picked up without a deploy, and a flood of deliveries costs one read per five minutes).
 *
 * @example
 * const secrets = () => loadWebhookSecrets({ secretId: runtimeConfig().webhookSecretArn });
 * createWebhookApp({ …, secrets: { github: async () => (await secrets()).github } });
 */
export async function loadWebhookSecrets(options: {
  readonly secretId: string;
  readonly maxAgeSeconds?: number;
}): Promise<WebhookSecrets> {
  let value: unknown;
  try {
    value = await getSecret(options.secretId, { maxAge: options.maxAgeSeconds ?? 300 });
  } catch (error) {
    // Created empty by the deploy, no value put yet: "not configured" (403 webhook_secret_unset), not a 500.
    if (isNoSecretValue(error)) return {};
    throw error;
  }
  if (value === undefined || value === null) return {};
  const text = typeof value === "string" ? value : new TextDecoder().decode(value as Uint8Array);
  return text.trim() === "" ? {} : parseWebhookSecrets(text);
}

/**
 * Both routes' secrets (the `secrets` of `createWebhookApp`) from the one secret, through Powertools' cache
 * (`maxAgeSeconds`, default 300: rotation needs no deploy). An empty `secretId` leaves both routes unset (403).
 */
export function webhookSecretsFrom(
  secretId: string,
  maxAgeSeconds = 300,
): { github: () => Promise<string | undefined>; gitea: () => Promise<string | undefined> } {
  const load = async (): Promise<WebhookSecrets> =>
    secretId ? loadWebhookSecrets({ secretId, maxAgeSeconds }) : {};
  return { github: async () => (await load()).github, gitea: async () => (await load()).gitea };
}
