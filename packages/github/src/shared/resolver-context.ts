import { type Log, newUsage, type RateApi, type RequestApi, type ResolveUsage } from "@drift/core";
import { RateBudget } from "./budget";
import { type HostResolverConfig, type Settings, settingsOf } from "./config";
import type { HostEnv } from "./host";
import { type ClientOptions, createClient, type HttpObserver } from "./http";
import { Semaphore } from "./limit";
import { Redactor } from "./redact";

/** Requests and points of one resolver, summed over its hosts (reported by `stats()` and the log). */
export interface Counters {
  graphqlRequests: number;
  /** GitHub REST requests. */
  restRequests: number;
  giteaRequests: number;
  /** GraphQL points only: REST requests are a budget of their own. */
  pointsUsed: number;
  notModified: number;
}

/**
 * What every host client of one resolver shares: settings, the redactor, the logger, the counters and the rate
 * budgets (GitHub's GraphQL and REST budgets are reported apart; Gitea's are its hosts' own).
 */
export class ResolverContext {
  readonly settings: Settings;
  readonly redact: Redactor;
  readonly log: Log;
  readonly counters: Counters = {
    graphqlRequests: 0,
    restRequests: 0,
    giteaRequests: 0,
    pointsUsed: 0,
    notModified: 0,
  };
  /** GitHub's budgets by API (one GitHub host per resolver); Gitea hosts keep theirs to themselves. */
  readonly budgets = new Map<RateApi, RateBudget>();
  /**
   * Each resolve call's usage, keyed by the signal its requests carry down to fetch (Octokit passes it through,
   * throttling queues included): counted per request made, so calls running at once never count each other's.
   */
  private readonly usage = new WeakMap<AbortSignal, ResolveUsage>();
  /** Usage of requests made outside any call (e.g. a GitHub App token): counted nowhere but `counters`. */
  private readonly stray: ResolveUsage = newUsage();

  constructor(readonly config: HostResolverConfig) {
    this.settings = settingsOf(config);
    this.redact = new Redactor(secretsOf(config));
    this.log = safeLogger(config.logger, this.redact);
  }

  /** Registers a resolve call: requests carrying `signal` are counted into `usage`. */
  track(signal: AbortSignal, usage: ResolveUsage): void {
    this.usage.set(signal, usage);
  }

  /** The usage of the call that sent a request with `signal`. */
  usageOf(signal: AbortSignal | null | undefined): ResolveUsage {
    return (signal && this.usage.get(signal)) || this.stray;
  }

  /** A new rate budget; GitHub's (`api` given) are reported by `stats()`. */
  newBudget(api?: RateApi): RateBudget {
    const budget = new RateBudget(this.settings.reserve);
    if (api) this.budgets.set(api, budget);
    return budget;
  }

  /** GraphQL points an answer said it cost, for the call whose signal sent the request. */
  addPoints(points: number, signal?: AbortSignal | null): void {
    this.counters.pointsUsed += points;
    this.usageOf(signal).points += points;
  }

  /**
   * The Octokit client of one host and the environment its engines share (one concurrency limit per host).
   * `byResource` picks the budget a response's rate-limit headers belong to.
   */
  hostEnv(
    client: Pick<ClientOptions, "baseUrl" | "auth" | "throttled" | "retried" | "authOf">,
    isGithub: boolean,
    byResource: (resource: string | null, url: string) => RateBudget,
  ): Omit<HostEnv, "budget" | "onPoints"> {
    const { settings, redact, log } = this;
    return {
      client: createClient({
        ...client,
        settings,
        log,
        fetch: this.config.fetch,
        observer: this.observer(isGithub, byResource),
      }),
      limiter: new Semaphore(settings.maxConcurrencyPerHost),
      redact,
      log,
      settings,
    };
  }

  /** Counts every attempt and feeds rate-limit headers to the budget they belong to. */
  private observer(
    isGithub: boolean,
    byResource: (resource: string | null, url: string) => RateBudget,
  ): HttpObserver {
    const { counters, settings } = this;
    const usageOf = (signal: AbortSignal | null | undefined) => this.usageOf(signal);
    const apiOf = (url: string): RequestApi =>
      !isGithub ? "gitea" : url === settings.githubGraphqlUrl ? "graphql" : "rest";
    const counted = { graphql: "graphqlRequests", rest: "restRequests", gitea: "giteaRequests" } as const;
    return {
      onRequest(url, signal) {
        const api = apiOf(url);
        counters[counted[api]] += 1;
        usageOf(signal)[api] += 1;
      },
      // GraphQL points come from the answer's rateLimit.cost (addPoints); a REST request is not a point.
      onResponse(url, response) {
        if (response.status === 304) counters.notModified += 1;
        const remaining = response.headers.get("x-ratelimit-remaining");
        if (remaining !== null) {
          const reset = Number(response.headers.get("x-ratelimit-reset"));
          const resetAt = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
          byResource(response.headers.get("x-ratelimit-resource"), url).observe(Number(remaining), resetAt);
        }
      },
    };
  }
}

/** Log calls go through the redactor, and a failing logger never fails a sweep. */
function safeLogger(logger: Log | undefined, redact: Redactor): Log {
  const level =
    (name: keyof Log) =>
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

function secretsOf(config: HostResolverConfig): string[] {
  const auth = config.auth;
  const fromAuth = !auth ? [] : "token" in auth ? [auth.token] : [auth.privateKey];
  return [...fromAuth, config.giteaToken ?? "", ...Object.values(config.giteaTokens ?? {})];
}
