import type { Resolution, ResolveRequest, Resolver, ResolverStats } from "@drift/core";
import { RateBudget } from "./budget";
import { type GitHubResolverConfig, type ResolverLogger, type Settings, settingsOf } from "./config";
import { failure } from "./errors";
import { GraphqlBatcher } from "./graphql-resolver";
import type { HostEnv } from "./host";
import { createClient, type HttpObserver } from "./http";
import { Semaphore } from "./limit";
import { Redactor } from "./redact";
import { RestResolver } from "./rest-resolver";
import { fetchReviews, type ReviewHost } from "./review-packet";
import { giteaWebBase, githubWebBase } from "./review-web";

/** The resolver, plus what tests and metrics like to see of its adaptive state. */
export interface GitHubResolver extends Resolver {
  /** Repositories per GraphQL query right now (shrinks on resource limits, grows back). */
  readonly repositoriesPerQuery: number;
}

interface Counters {
  graphqlRequests: number;
  restRequests: number;
  pointsUsed: number;
  notModified: number;
}

/** Log calls go through the redactor, and a failing logger never fails a sweep. */
function safeLogger(logger: ResolverLogger | undefined, redact: Redactor): ResolverLogger {
  const level =
    (name: keyof ResolverLogger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (!logger) return;
      try {
        const clean = redact.fields(fields);
        if (clean) logger[name](redact.text(message), clean);
        else logger[name](redact.text(message));
      } catch {
        // logging must never break resolution
      }
    };
  return { debug: level("debug"), info: level("info"), warn: level("warn"), error: level("error") };
}

function secretsOf(config: GitHubResolverConfig): string[] {
  const auth = config.auth;
  const fromAuth = !auth ? [] : "token" in auth ? [auth.token] : [auth.privateKey];
  return [...fromAuth, config.giteaToken ?? "", ...Object.values(config.giteaTokens ?? {})];
}

interface HostClients {
  readonly graphql?: GraphqlBatcher;
  readonly rest: RestResolver;
  /** The same clients and budgets, for review packets. */
  readonly review: ReviewHost;
}

/**
 * Creates the ref resolver for github.com / GHES (GraphQL batches, REST fallback) and Gitea/Forgejo hosts
 * (REST). Create one per process and reuse it: its adaptive batch size, rate budgets and clients persist.
 *
 * @example
 * const resolver = createGitHubResolver({ auth: { token: process.env.GITHUB_TOKEN ?? "" }, reserve: 200 });
 * const results = await resolver.resolve([{ target }]);
 * results.get(target.key); // { status: "resolved", sha } or { status: "failed", kind, message }
 */
export function createGitHubResolver(config: GitHubResolverConfig = {}): GitHubResolver {
  const settings: Settings = settingsOf(config);
  const redact = new Redactor(secretsOf(config));
  const log = safeLogger(config.logger, redact);
  const counters: Counters = { graphqlRequests: 0, restRequests: 0, pointsUsed: 0, notModified: 0 };
  const budgets: RateBudget[] = [];
  const newBudget = () => {
    const b = new RateBudget(settings.reserve);
    budgets.push(b);
    return b;
  };

  const observer = (
    isGithub: boolean,
    byResource: (resource: string | null, url: string) => RateBudget,
  ): HttpObserver => ({
    onRequest(url) {
      if (isGithub && url === settings.githubGraphqlUrl) counters.graphqlRequests += 1;
      else counters.restRequests += 1;
    },
    onResponse(url, response) {
      const isGraphql = isGithub && url === settings.githubGraphqlUrl;
      if (response.status === 304) counters.notModified += 1;
      else if (isGithub && !isGraphql) counters.pointsUsed += 1; // GraphQL points come from rateLimit.cost
      const remaining = response.headers.get("x-ratelimit-remaining");
      if (remaining !== null) {
        const reset = Number(response.headers.get("x-ratelimit-reset"));
        const resetAt = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
        byResource(response.headers.get("x-ratelimit-resource"), url).observe(Number(remaining), resetAt);
      }
    },
  });

  let github: HostClients | undefined;
  const githubHost = (): HostClients => {
    if (github) return github;
    const graphqlBudget = newBudget();
    const coreBudget = newBudget();
    const client = createClient({
      baseUrl: settings.githubApiUrl,
      auth: config.auth,
      settings,
      log,
      fetch: config.fetch,
      observer: observer(true, (resource, url) =>
        resource === "graphql" || url === settings.githubGraphqlUrl ? graphqlBudget : coreBudget,
      ),
    });
    const shared = { client, limiter: new Semaphore(settings.maxConcurrencyPerHost), redact, log, settings };
    const onPoints = (points: number) => {
      counters.pointsUsed += points;
    };
    const graphql = settings.useGraphql
      ? new GraphqlBatcher({ ...shared, budget: graphqlBudget, onPoints }, settings.githubGraphqlUrl)
      : undefined;
    const restEnv = { ...shared, budget: coreBudget, onPoints };
    const review: ReviewHost = {
      flavour: "github",
      rest: restEnv,
      webBase: githubWebBase(settings.githubApiUrl),
      ...(settings.useGraphql
        ? { graphql: { env: { ...shared, budget: graphqlBudget, onPoints }, url: settings.githubGraphqlUrl } }
        : {}),
    };
    github = { graphql, rest: new RestResolver(restEnv, "github"), review };
    return github;
  };

  const gitea = new Map<string, HostClients>();
  const giteaHost = (host: string): HostClients => {
    const existing = gitea.get(host);
    if (existing) return existing;
    const budget = newBudget();
    const token = config.giteaTokens?.[host] ?? config.giteaToken;
    const client = createClient({
      baseUrl: (config.giteaApiUrls?.[host] ?? `https://${host}/api/v1`).replace(/\/+$/, ""),
      ...(token ? { auth: { token } } : {}),
      settings,
      log,
      fetch: config.fetch,
      observer: observer(false, () => budget),
    });
    const env: HostEnv = {
      client,
      budget,
      limiter: new Semaphore(settings.maxConcurrencyPerHost),
      redact,
      log,
      settings,
      onPoints: () => {},
    };
    const clients = {
      rest: new RestResolver(env, "gitea"),
      review: {
        flavour: "gitea",
        rest: env,
        webBase: giteaWebBase(host, config.giteaApiUrls?.[host]),
      } as const,
    };
    gitea.set(host, clients);
    return clients;
  };

  const resolveGithub = async (
    requests: ResolveRequest[],
    signal?: AbortSignal,
  ): Promise<Map<string, Resolution>> => {
    const host = githubHost();
    if (host.graphql && !host.graphql.unavailable) {
      const results = await host.graphql.resolve(
        requests.map((r) => r.target),
        signal,
      );
      if (!host.graphql.unavailable) return results;
      log.warn("GitHub GraphQL endpoint unavailable: resolving through REST");
    }
    return host.rest.resolve(requests, signal);
  };

  /** Runs one host's share; an unexpected exception fails that share (transient), never the call. */
  const guarded = async (requests: ResolveRequest[], run: () => Promise<Map<string, Resolution>>) => {
    try {
      return await run();
    } catch (error) {
      const message = redact.text(error instanceof Error ? error.message : String(error)).slice(0, 200);
      log.error("resolver failure", { targets: requests.length, reason: message });
      return new Map(
        requests.map((r) => [r.target.key, failure("transient", `resolver failure: ${message}`)]),
      );
    }
  };

  return {
    get repositoriesPerQuery() {
      return github?.graphql?.batchSize ?? settings.repositoriesPerQuery;
    },

    async resolve(
      requests: readonly ResolveRequest[],
      signal?: AbortSignal,
    ): Promise<Map<string, Resolution>> {
      const results = new Map<string, Resolution>();
      const distinct = new Map<string, ResolveRequest>();
      for (const r of requests) if (!distinct.has(r.target.key)) distinct.set(r.target.key, r);
      const githubRequests: ResolveRequest[] = [];
      const giteaRequests = new Map<string, ResolveRequest[]>();
      for (const r of distinct.values()) {
        const t = r.target;
        if (t.ref.type === "sha") results.set(t.key, { status: "resolved", sha: t.ref.sha });
        else if (t.provider === "github") githubRequests.push(r);
        else giteaRequests.set(t.host, [...(giteaRequests.get(t.host) ?? []), r]);
      }
      const shares: Promise<Map<string, Resolution>>[] = [];
      if (githubRequests.length)
        shares.push(guarded(githubRequests, () => resolveGithub(githubRequests, signal)));
      for (const [host, reqs] of giteaRequests)
        shares.push(guarded(reqs, () => giteaHost(host).rest.resolve(reqs, signal)));
      for (const share of await Promise.all(shares))
        for (const [key, value] of share) results.set(key, value);
      for (const key of distinct.keys())
        if (!results.has(key)) results.set(key, failure("transient", "no answer for this target"));

      const kinds: Record<string, number> = {};
      for (const r of results.values())
        kinds[r.status === "resolved" ? "resolved" : r.kind] =
          (kinds[r.status === "resolved" ? "resolved" : r.kind] ?? 0) + 1;
      log.info("refs resolved", { targets: distinct.size, ...kinds, ...counters });
      return results;
    },

    review: (requests, signal) =>
      fetchReviews(
        { github: () => githubHost().review, gitea: (host) => giteaHost(host).review },
        requests,
        signal,
      ),

    stats(): ResolverStats {
      const remaining = budgets.map((b) => b.lastRemaining).filter((n): n is number => n !== undefined);
      return { ...counters, ...(remaining.length ? { budgetRemaining: Math.min(...remaining) } : {}) };
    },
  };
}
