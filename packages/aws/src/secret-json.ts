import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import type { GitHubAuth } from "@drift/github";
import * as z from "zod/mini";

/**
 * What a deployment's secret JSON holds, parsed: the worker's GitHub/Gitea credentials (the GitHub credentials
 * secret) and the API's bearer token (the admin token secret). Each function reads only its own part:
 * `credentialsResolver` the GitHub ones, {@link loadAdminToken} the admin token. Absent parts are undefined.
 */
export interface SecretJson {
  /** For `createHostResolver({ auth })`: a token, or GitHub App credentials. */
  readonly auth?: GitHubAuth;
  readonly giteaToken?: string;
  /** Bearer token of the admin API. */
  readonly adminToken?: string;
}

/** A secret (or environment) that is not the documented shape. The message never contains secret content. */
export class SecretJsonError extends Error {
  override name = "SecretJsonError";
}

/**
 * The JSON of a secret (docs/deploy.md):
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

/** Parses the secret's JSON text. Throws {@link SecretJsonError} naming the bad keys, never their values. */
export function parseSecretJson(secretString: string): SecretJson {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new SecretJsonError("credentials secret is not JSON");
  }
  const parsed = z.safeParse(SecretShape, json);
  if (!parsed.success) {
    const keys = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(root)"))].join(", ");
    throw new SecretJsonError(`credentials secret has invalid keys: ${keys}`);
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
export function secretJsonFromEnv(env: NodeJS.ProcessEnv = process.env): SecretJson {
  const value = (name: string) => env[name]?.trim() || undefined;
  const appId = value("GITHUB_APP_ID");
  const privateKey = value("GITHUB_APP_PRIVATE_KEY")?.replace(/\\n/g, "\n");
  const installationId = value("GITHUB_APP_INSTALLATION_ID");
  if ((appId || privateKey || installationId) && !(appId && privateKey && installationId)) {
    throw new SecretJsonError(
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

export interface LoadSecretJsonOptions {
  /** Secrets Manager secret name or ARN; unset or "" → {@link secretJsonFromEnv}. */
  readonly secretId?: string;
  /** Seconds a fetched secret is reused by warm invocations (Powertools' cache). Default 300. */
  readonly maxAgeSeconds?: number;
  /** Environment for the local fallback (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Loads a secret's JSON: from Secrets Manager through Powertools' `getSecret` (cached across
 * warm invocations for `maxAgeSeconds`, so a busy worker does not call Secrets Manager per message), or
 * from the environment when no secret is configured (local runs).
 *
 * @example
 * const { auth, giteaToken } = await loadSecretJson({ secretId: runtimeConfig().githubSecretArn });
 */
export async function loadSecretJson(options: LoadSecretJsonOptions = {}): Promise<SecretJson> {
  if (!options.secretId) return secretJsonFromEnv(options.env);
  let value: unknown;
  try {
    value = await getSecret(options.secretId, { maxAge: options.maxAgeSeconds ?? 300 });
  } catch (error) {
    // Powertools wraps the SDK error (access denied, not found): its name and message carry no secret value.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : "unknown error";
    // The cause stays attached: "no value yet" (first deploy) is told apart by isNoSecretValue.
    throw new SecretJsonError(`cannot read the credentials secret: ${reason}`, { cause });
  }
  if (value === undefined || value === null) throw new SecretJsonError("the credentials secret has no value");
  return parseSecretJson(typeof value === "string" ? value : new TextDecoder().decode(value as Uint8Array));
}

function compact(c: { auth?: GitHubAuth; giteaToken?: string; adminToken?: string }): SecretJson {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as SecretJson;
}
