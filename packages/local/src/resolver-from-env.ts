import type { Log, Resolver } from "@drift/core";
import { createHostResolver } from "@drift/github";

/**
 * The resolver the CLI uses, configured from the environment the platform defines (docs/contracts.md): GITHUB_API_URL, GITHUB_TOKEN, GITEA_TOKEN.
 * Extra knobs: DRIFT_GITEA_API_URLS (JSON {host: apiBase}), DRIFT_GITHUB_RESERVE (budget floor).
 */
export async function resolverFromEnv(env: NodeJS.ProcessEnv, log: Log): Promise<Resolver> {
  let giteaApiUrls: Record<string, string> | undefined;
  if (env.DRIFT_GITEA_API_URLS) {
    try {
      giteaApiUrls = JSON.parse(env.DRIFT_GITEA_API_URLS) as Record<string, string>;
    } catch {
      throw new Error("DRIFT_GITEA_API_URLS must be a JSON object {host: apiBase}");
    }
  }
  const reserve = env.DRIFT_GITHUB_RESERVE ? Number(env.DRIFT_GITHUB_RESERVE) : undefined;
  return createHostResolver({
    githubApiUrl: env.GITHUB_API_URL || "https://api.github.com",
    ...(env.GITHUB_TOKEN ? { auth: { token: env.GITHUB_TOKEN } } : {}),
    ...(env.GITEA_TOKEN ? { giteaToken: env.GITEA_TOKEN } : {}),
    ...(giteaApiUrls ? { giteaApiUrls } : {}),
    ...(reserve !== undefined && Number.isFinite(reserve) ? { reserve } : {}),
    logger: log,
  });
}
