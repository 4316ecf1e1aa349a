import type { Resolution, ResolveRequest } from "@drift/core";
import { giteaWebBase } from "@drift/core";
import type { ReviewHost } from "../packets/review-packet";
import { RestResolver } from "../rest/rest-resolver";
import type { ResolverContext } from "../shared/resolver-context";

/** One Gitea/Forgejo host: REST, with its own token (or the shared one), API base, budget and concurrency limit. */
export class GiteaHostClient {
  private readonly rest: RestResolver;
  /** The same client and budget, for review packets. */
  readonly review: ReviewHost;

  constructor(context: ResolverContext, host: string) {
    const { config } = context;
    const budget = context.newBudget();
    const token = config.giteaTokens?.[host] ?? config.giteaToken;
    const baseUrl = (config.giteaApiUrls?.[host] ?? `https://${host}/api/v1`).replace(/\/+$/, "");
    const env = context.hostEnv({ baseUrl, ...(token ? { auth: { token } } : {}) }, false, () => budget);
    const restEnv = { ...env, budget, onPoints: () => {} };
    this.rest = new RestResolver(restEnv, "gitea");
    this.review = {
      flavour: "gitea",
      rest: restEnv,
      webBase: giteaWebBase(host, config.giteaApiUrls?.[host]),
    };
  }

  /** Resolves non-`sha` requests of this host (distinct keys). */
  resolve(requests: ResolveRequest[], signal?: AbortSignal): Promise<Map<string, Resolution>> {
    return this.rest.resolve(requests, signal);
  }
}
