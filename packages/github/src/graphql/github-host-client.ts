import type { Resolution, ResolveRequest } from "@drift/core";
import { githubWebBase } from "@drift/core";
import type { ReviewHost } from "../packets/review-packet";
import { RestResolver } from "../rest/rest-resolver";
import { PACKET_REQUESTS_PER_MINUTE } from "../shared/config";
import { Semaphore } from "../shared/limit";
import type { ResolverContext } from "../shared/resolver-context";
import { GraphQLBatcher } from "./graphql-batcher";

/**
 * github.com or GHES: batched GraphQL queries (unless disabled), REST when GraphQL is off or the endpoint turns out
 * missing. GraphQL points and REST requests are separate rate budgets; both share one concurrency limit.
 */
export class GitHubHostClient {
  private readonly graphql?: GraphQLBatcher;
  private readonly rest: RestResolver;
  /** The same clients and budgets, for review packets. */
  readonly review: ReviewHost;

  constructor(private readonly context: ResolverContext) {
    const { settings, config } = context;
    const graphqlBudget = context.newBudget("graphql");
    const coreBudget = context.newBudget("rest");
    const byResource = (resource: string | null, url: string) =>
      resource === "graphql" || url === settings.githubGraphqlUrl ? graphqlBudget : coreBudget;
    const shared = context.hostEnv({ baseUrl: settings.githubApiUrl, auth: config.auth }, true, byResource);
    const onPoints = (points: number, signal?: AbortSignal) => context.addPoints(points, signal);
    if (settings.useGraphql)
      this.graphql = new GraphQLBatcher(
        { ...shared, budget: graphqlBudget, onPoints },
        settings.githubGraphqlUrl,
      );
    const restEnv = { ...shared, budget: coreBudget, onPoints };
    this.rest = new RestResolver(restEnv, "github");
    // Packets' REST requests (comparisons) have a wider slot of their own: one round trip for a sweep's drifts.
    // That slot bounds them, so their client goes without the throttling plugin's queues (http.ts `throttled`).
    const packetLimiter = new Semaphore(settings.packetConcurrency, {
      perWindow: PACKET_REQUESTS_PER_MINUTE,
      windowMs: 60_000,
    });
    const packetClient = context.hostEnv(
      { baseUrl: settings.githubApiUrl, throttled: false, ...(config.auth ? { authOf: shared.client } : {}) },
      true,
      byResource,
    ).client;
    this.review = {
      flavour: "github",
      rest: restEnv,
      packetRest: { ...restEnv, client: packetClient, limiter: packetLimiter },
      webBase: githubWebBase(settings.githubApiUrl),
      ...(settings.useGraphql
        ? { graphql: { env: { ...shared, budget: graphqlBudget, onPoints }, url: settings.githubGraphqlUrl } }
        : {}),
    };
  }

  /** Repositories per GraphQL query right now; undefined without GraphQL. */
  get batchSize(): number | undefined {
    return this.graphql?.batchSize;
  }

  /** Resolves non-`sha` GitHub requests (distinct keys). */
  async resolve(requests: ResolveRequest[], signal?: AbortSignal): Promise<Map<string, Resolution>> {
    const graphql = this.graphql;
    if (graphql && !graphql.unavailable) {
      const results = await graphql.resolve(
        requests.map((r) => r.target),
        signal,
      );
      if (!graphql.unavailable) return results;
      this.context.log.warn("GitHub GraphQL endpoint unavailable: resolving through REST");
    }
    return this.rest.resolve(requests, signal);
  }
}
