import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import type { GitHubAuth } from "@drift/github";
import * as z from "zod/mini";

/** Credentials the worker (GitHub/Gitea) and the API (admin token) need. Absent parts are undefined. */
export interface GitHubCredentials {
  /** For `createGitHubResolver({ auth })`: a token, or GitHub App credentials. */
  readonly auth?: GitHubAuth;
  readonly giteaToken?: string;
  readonly adminToken?: string;
}

/** A secret (or environment) that is not the documented shape. The message never contains secret content. */
export class CredentialsSecretError extends Error {
  override name = "CredentialsSecretError";
}

/**
 * The JSON of the credentials secret (docs/deploy.md):
 * `{"githubToken": "...", "githubApp": {"appId", "privateKey", "installationId"}, "giteaToken": "...", "adminToken": "..."}`.
 * Every key is optional; unknown keys are ignored.
 *
 * zod/mini (functional, tree-shakable) rather than the classic API: see packages/core/src/sweep-message.ts. Only
 * issue paths are reported here, so no locale is needed. Marked free of side effects so that a bundle which never
 * parses a secret (the dispatcher reaches this module through @drift/aws) drops the schema.
 */
// @__NO_SIDE_EFFECTS__
function buildSecretShape() {
  const text = z.string().check(z.trim(), z.minLength(1));
  const id = z.union([text, z.pipe(z.number().check(z.int(), z.positive()), z.transform(String))]);
  return z.object({
    githubToken: z.optional(text),
    githubApp: z.optional(z.object({ appId: id, privateKey: text, installationId: id })),
    giteaToken: z.optional(text),
    adminToken: z.optional(text),
  });
}

const SecretShape = buildSecretShape();

/** Parses the secret's JSON text. Throws {@link CredentialsSecretError} naming the bad keys, never their values. */
export function parseCredentialsSecret(secretString: string): GitHubCredentials {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new CredentialsSecretError("credentials secret is not JSON");
  }
  const parsed = z.safeParse(SecretShape, json);
  if (!parsed.success) {
    const keys = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(root)"))].join(", ");
    throw new CredentialsSecretError(`credentials secret has invalid keys: ${keys}`);
  }
  const s = parsed.data;
  // An App wins over a token: its installation has the larger rate budget.
  const auth: GitHubAuth | undefined = s.githubApp ?? (s.githubToken ? { token: s.githubToken } : undefined);
  return compact({ auth, giteaToken: s.giteaToken, adminToken: s.adminToken });
}

/**
 * Credentials from the environment, for local runs: GITHUB_TOKEN (or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY +
 * GITHUB_APP_INSTALLATION_ID), GITEA_TOKEN, ADMIN_TOKEN.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubCredentials {
  const value = (name: string) => env[name]?.trim() || undefined;
  const appId = value("GITHUB_APP_ID");
  const privateKey = value("GITHUB_APP_PRIVATE_KEY")?.replace(/\\n/g, "\n");
  const installationId = value("GITHUB_APP_INSTALLATION_ID");
  if ((appId || privateKey || installationId) && !(appId && privateKey && installationId)) {
    throw new CredentialsSecretError(
      "GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID go together",
    );
  }
  const token = value("GITHUB_TOKEN");
  const auth: GitHubAuth | undefined =
    appId && privateKey && installationId
      ? { appId, privateKey, installationId }
      : token
        ? { token }
        : undefined;
  return compact({ auth, giteaToken: value("GITEA_TOKEN"), adminToken: value("ADMIN_TOKEN") });
}

export interface LoadCredentialsOptions {
  /** Secrets Manager secret name or ARN; unset or "" → {@link credentialsFromEnv}. */
  readonly secretId?: string;
  /** Seconds a fetched secret is reused by warm invocations (Powertools' cache). Default 300. */
  readonly maxAgeSeconds?: number;
  /** Environment for the local fallback (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Loads the credentials: from a Secrets Manager JSON secret through Powertools' `getSecret` (cached across
 * warm invocations for `maxAgeSeconds`, so a busy worker does not call Secrets Manager per message), or
 * from the environment when no secret is configured (local runs).
 *
 * @example
 * const creds = await loadGitHubCredentials({ secretId: runtimeConfig().githubSecretArn });
 * const resolver = createGitHubResolver({ auth: creds.auth, giteaToken: creds.giteaToken });
 */
export async function loadGitHubCredentials(
  options: LoadCredentialsOptions = {},
): Promise<GitHubCredentials> {
  if (!options.secretId) return credentialsFromEnv(options.env);
  let value: unknown;
  try {
    value = await getSecret(options.secretId, { maxAge: options.maxAgeSeconds ?? 300 });
  } catch (error) {
    // Powertools wraps the SDK error (access denied, not found): its name and message carry no secret value.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : "unknown error";
    throw new CredentialsSecretError(`cannot read the credentials secret: ${reason}`);
  }
  if (value === undefined || value === null)
    throw new CredentialsSecretError("the credentials secret has no value");
  return parseCredentialsSecret(
    typeof value === "string" ? value : new TextDecoder().decode(value as Uint8Array),
  );
}

function compact(c: { auth?: GitHubAuth; giteaToken?: string; adminToken?: string }): GitHubCredentials {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as GitHubCredentials;
}
