import type { Log } from "@drift/core";

/** GitHub credentials: a token (PAT, fine-grained, or an installation token), or GitHub App credentials. */
export type GitHubAuth =
  | { readonly token: string }
  | {
      readonly appId: string | number;
      /** PEM (PKCS#1 or PKCS#8). */
      readonly privateKey: string;
      readonly installationId: string | number;
    };

/** Configuration of {@link createHostResolver}. Every field is optional. */
export interface HostResolverConfig {
  /** REST base of github.com or GHES (`https://ghe.example.com/api/v3`). Default `https://api.github.com`. */
  readonly githubApiUrl?: string;
  /** GraphQL endpoint; default derived: `/graphql` beside the REST base, `/api/graphql` for a GHES `/api/v3` URL. */
  readonly githubGraphqlUrl?: string;
  readonly auth?: GitHubAuth;
  /** Token for every Gitea/Forgejo host (GITEA_TOKEN). */
  readonly giteaToken?: string;
  /** Tokens per Gitea host (host as in the source, e.g. `git.example.com`); wins over `giteaToken`. */
  readonly giteaTokens?: Readonly<Record<string, string>>;
  /** API base per Gitea host; default `https://HOST/api/v1`. */
  readonly giteaApiUrls?: Readonly<Record<string, string>>;
  /** false: resolve GitHub targets through REST only. Default true (GraphQL batches). */
  readonly useGraphql?: boolean;
  /** Stop when the host's remaining budget (points or requests) would drop below this; the rest is deferred. Default 200. */
  readonly reserve?: number;
  /** Per HTTP attempt. Default 15000 ms. */
  readonly requestTimeoutMs?: number;
  /** Requests in flight per host. Default 8 (DEFAULT_MAX_CONCURRENCY_PER_HOST). */
  readonly maxConcurrencyPerHost?: number;
  /**
   * REST requests of review packets (comparisons) in flight per GitHub host, beside `maxConcurrencyPerHost`.
   * Default 92 (DEFAULT_PACKET_CONCURRENCY). Started at most 800 a minute (GitHub: 900 REST points a minute).
   */
  readonly packetConcurrency?: number;
  /** Upper bound (and start) of repositories per GraphQL query; shrinks on resource limits/timeouts. Default 100. */
  readonly repositoriesPerQuery?: number;
  /** Upper bound of ref lookups per GraphQL query (a repository with more refs is split). Default 500. */
  readonly refsPerQuery?: number;
  /**
   * Retries of plain 5xx answers (500, 503, network errors): by @octokit/plugin-retry for REST, by the GraphQL
   * batcher for GraphQL, which never repeats a heavy failure (502/504, a timeout) at the same size but splits
   * the batch instead. Default 2.
   */
  readonly retries?: number;
  /** Base of the retry plugin's quadratic back-off (1×, 4×, 9× this). Default 1000 ms. */
  readonly retryBaseDelayMs?: number;
  /** Wait for a rate limit only when it lifts within this many seconds (once). Default 0: never sleep in a sweep. */
  readonly maxRateLimitWaitSeconds?: number;
  /**
   * Average spacing of GraphQL request starts per host (the throttling plugin's default is 1000 ms). Default 30 ms:
   * GitHub's secondary limit of 2,000 GraphQL points a minute is one request per 30 ms. Starts are paced as a
   * window of 2 × `maxConcurrencyPerHost` refreshed every that many intervals (http.ts `graphqlPace`), so a sweep's
   * few queries leave together; 0 switches pacing off.
   */
  readonly graphqlMinIntervalMs?: number;
  readonly userAgent?: string;
  /** Where the resolver writes what it does (the core `Log`: Powertools' Logger in Lambda, the CLI logger). */
  readonly logger?: Log;
  /** fetch implementation (default: node:http with keep-alive, shared/node-fetch.ts). */
  readonly fetch?: typeof fetch;
}

export interface Settings {
  readonly githubApiUrl: string;
  readonly githubGraphqlUrl: string;
  readonly useGraphql: boolean;
  readonly reserve: number;
  readonly requestTimeoutMs: number;
  readonly maxConcurrencyPerHost: number;
  readonly packetConcurrency: number;
  readonly repositoriesPerQuery: number;
  readonly refsPerQuery: number;
  readonly retries: number;
  readonly retryBaseDelayMs: number;
  readonly maxRateLimitWaitSeconds: number;
  readonly graphqlMinIntervalMs: number;
  readonly userAgent: string;
}

/** The GraphQL endpoint of a GitHub REST base: GHES serves it at `/api/graphql`, github.com at `/graphql`. */
export function graphqlUrlFor(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, "");
  return /\/api\/v3$/.test(base) ? base.replace(/\/api\/v3$/, "/api/graphql") : `${base}/graphql`;
}

/**
 * GitHub requests in flight per host by default: every query of a sweep at once on most installations, far
 * below the secondary rate limit's 100 concurrent requests.
 */
export const DEFAULT_MAX_CONCURRENCY_PER_HOST = 8;

/**
 * Review packets' REST comparisons in flight per GitHub host by default. GitHub's documented secondary limits
 * allow 100 concurrent requests (REST and GraphQL together) and 900 REST points a minute: 92 beside the 8 of
 * resolution (whose slot packets' GraphQL queries share) keeps one process at the first (the worker in AWS,
 * several at once, is given less: functions/worker.ts), and starts are held to 800 a minute for the second. A
 * sweep's 100 comparisons leave in one wave and a straggler's round trip, not two full waves (W1: ~60 ms).
 */
export const DEFAULT_PACKET_CONCURRENCY = 92;

/** REST packet requests started per minute at most (GitHub: 900 points a minute; a GET is one). */
export const PACKET_REQUESTS_PER_MINUTE = 800;

const positive = (value: number | undefined, fallback: number, min = 1): number =>
  value !== undefined && Number.isFinite(value) && value >= min ? Math.floor(value) : fallback;

/** Fills defaults and clamps nonsense (a negative timeout, zero concurrency) to safe values. */
export function settingsOf(config: HostResolverConfig): Settings {
  const githubApiUrl = (config.githubApiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  return {
    githubApiUrl,
    githubGraphqlUrl: config.githubGraphqlUrl ?? graphqlUrlFor(githubApiUrl),
    useGraphql: config.useGraphql !== false,
    reserve: positive(config.reserve, 200, 0),
    requestTimeoutMs: positive(config.requestTimeoutMs, 15_000),
    maxConcurrencyPerHost: positive(config.maxConcurrencyPerHost, DEFAULT_MAX_CONCURRENCY_PER_HOST),
    packetConcurrency: positive(config.packetConcurrency, DEFAULT_PACKET_CONCURRENCY),
    repositoriesPerQuery: positive(config.repositoriesPerQuery, 100),
    refsPerQuery: positive(config.refsPerQuery, 500),
    retries: positive(config.retries, 2, 0),
    retryBaseDelayMs: positive(config.retryBaseDelayMs, 1000, 0),
    maxRateLimitWaitSeconds: positive(config.maxRateLimitWaitSeconds, 0, 0),
    graphqlMinIntervalMs: positive(config.graphqlMinIntervalMs, 30, 0),
    userAgent: config.userAgent ?? "plugin-drift-sweeper",
  };
}
