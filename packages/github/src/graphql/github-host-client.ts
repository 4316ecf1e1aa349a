import type { Resolution, ResolveRequest } from "@drift/core";
import { githubWebBase } from "@drift/core";
import type { ReviewHost } from "../packets/review-packet";
import { RestResolver } from "../rest/rest-resolver";
import type { Settings } from "../shared/config";
import { PACKET_REQUESTS_PER_MINUTE } from "../shared/config";
import type { HostEnv } from "../shared/host";
import { Semaphore, within } from "../shared/limit";
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
    // Requests our own slots bound go without the throttling plugin's queues (http.ts `throttled`) and without the
    // retry plugin (their callers repeat plain 5xx): packets' comparisons, and GraphQL unless the plugin may wait
    // on a rate limit for us (maxRateLimitWaitSeconds). One client for both, so one pool of keep-alive sockets.
    const plain = context.hostEnv(
      {
        baseUrl: settings.githubApiUrl,
        throttled: false,
        retried: false,
        ...(config.auth ? { authOf: shared.client } : {}),
      },
      true,
      byResource,
    ).client;
    const graphqlEnv = {
      ...shared,
      budget: graphqlBudget,
      onPoints,
      ...graphqlSlot(shared, plain, settings),
    };
    if (settings.useGraphql) this.graphql = new GraphQLBatcher(graphqlEnv, settings.githubGraphqlUrl);
    const restEnv = { ...shared, budget: coreBudget, onPoints };
    this.rest = new RestResolver(restEnv, "github");
    // Packets' REST requests (comparisons) have a wider slot of their own: one round trip for a sweep's drifts.
    const packetLimiter = new Semaphore(settings.packetConcurrency, {
      perWindow: PACKET_REQUESTS_PER_MINUTE,
      windowMs: 60_000,
    });
    this.review = {
      flavour: "github",
      rest: restEnv,
      packetRest: { ...restEnv, client: plain, limiter: packetLimiter, repeatsItself: true },
      webBase: githubWebBase(settings.githubApiUrl),
      ...(settings.useGraphql ? { graphql: { env: graphqlEnv, url: settings.githubGraphqlUrl } } : {}),
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

/**
 * The client and slot GraphQL queries go through. The throttling plugin's only part in them is waiting on a rate
 * limit (maxRateLimitWaitSeconds > 0); otherwise its three Bottleneck queues cost a query 50–200 ms on a busy event
 * loop (a first sweep's packets waited 210 ms for them), so queries take the host's slot and then a pace of their
 * own: GitHub's 2,000 points a minute as a window of 2 × maxConcurrencyPerHost starts every that many intervals,
 * the pace http.ts `graphqlPace` gives the plugin. That client has no retry plugin either: GraphQL callers repeat
 * plain 5xx answers themselves (graphql-send.ts `sendRetrying`, review-packet.ts), heavy ones are split.
 */
function graphqlSlot(
  shared: Pick<HostEnv, "client" | "limiter">,
  unthrottled: HostEnv["client"],
  settings: Settings,
): Pick<HostEnv, "client" | "limiter"> {
  if (settings.maxRateLimitWaitSeconds > 0) return shared;
  const burst = 2 * settings.maxConcurrencyPerHost;
  const paced =
    settings.graphqlMinIntervalMs > 0
      ? within(
          shared.limiter,
          new Semaphore(burst, { perWindow: burst, windowMs: burst * settings.graphqlMinIntervalMs }),
        )
      : shared.limiter;
  return { client: unthrottled, limiter: paced };
}
