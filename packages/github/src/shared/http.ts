import { randomUUID } from "node:crypto";
import type { Log } from "@drift/core";
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
// The light build (no Redis clustering), the one the Octokit plugins use as well.
import Bottleneck from "bottleneck/light.js";
import type { GitHubAuth, Settings } from "./config";
import { nodeFetch } from "./node-fetch";

/** Octokit with the throttling and retry plugins, as every host client of the resolver uses it. */
export const ResolverOctokit = Octokit.plugin(throttling, retry);
export type ResolverOctokitClient = InstanceType<typeof ResolverOctokit>;

/**
 * The abort reason of a timed-out attempt. Named "AbortError" on purpose: Octokit rethrows AbortErrors as they
 * are (so we can recognise ours) and the retry plugin does not retry them (a hung host rarely answers a
 * second time within the sweep's budget; the GraphQL batcher splits the query instead).
 */
export class RequestTimeoutError extends Error {
  override readonly name = "AbortError";
  readonly timedOut = true;
  constructor(readonly timeoutMs: number) {
    super(`request timed out after ${timeoutMs} ms`);
  }
}

/** Sees every HTTP attempt (retries included): counters and rate-limit headers are read here. */
export interface HttpObserver {
  /** `signal` is the caller's (one per resolve call): it tells which call a request is made for. */
  onRequest(url: string, signal?: AbortSignal | null): void;
  onResponse(url: string, response: Response, signal?: AbortSignal | null): void;
}

function timedFetch(base: typeof fetch, timeoutMs: number, observer: HttpObserver): typeof fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    observer.onRequest(url, init?.signal);
    const controller = new AbortController();
    // Not cleared on success: it must also cover reading the body. unref: never keeps the process alive.
    const timer = setTimeout(() => controller.abort(new RequestTimeoutError(timeoutMs)), timeoutMs);
    timer.unref();
    const outer = init?.signal;
    if (outer) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener("abort", () => controller.abort(outer.reason), { once: true });
    }
    try {
      const response = await base(input, { ...init, signal: controller.signal });
      observer.onResponse(url, response, init?.signal);
      return response;
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }
  };
}

/**
 * GraphQL starts: on average one per `intervalMs` (GitHub's 2,000 points a minute), but a burst of `burst` at
 * once: a window of `burst` starts refreshed every `burst × intervalMs` (checked on Bottleneck's 250 ms heartbeat,
 * so never faster). A sweep's few queries all leave together instead of 30 ms apart.
 */
export function graphqlPace(burst: number, intervalMs: number): Bottleneck.ConstructorOptions {
  if (intervalMs <= 0) return {};
  return { reservoir: burst, reservoirRefreshAmount: burst, reservoirRefreshInterval: burst * intervalMs };
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly auth?: GitHubAuth;
  readonly settings: Settings;
  /** Already redacting. */
  readonly log: Log;
  readonly observer: HttpObserver;
  readonly fetch?: typeof fetch;
  /**
   * false: without the throttling plugin, for requests our own slots already bound (review packets'
   * comparisons; GraphQL queries unless the plugin may wait on a rate limit: github-host-client.ts
   * `graphqlSlot`). Its Bottleneck queues start one request per few timer turns: 100 comparisons took ~400 ms to
   * leave, against ~150 ms without it. Rate-limit answers reach the caller the same way (it never sleeps on them
   * by default: maxRateLimitWaitSeconds is 0).
   */
  readonly throttled?: boolean;
  /**
   * false: without the retry plugin, for requests whose caller repeats them itself (GraphQL queries: the
   * batcher splits heavy failures and repeats plain ones). The plugin wraps every request in a Bottleneck queue
   * of its own, a few more timer turns before it leaves.
   */
  readonly retried?: boolean;
  /** Another client of the same host whose credentials this one uses (an App's token is then fetched once). */
  readonly authOf?: ResolverOctokitClient;
}

/** Every status the retry plugin must not retry: client errors, and 429 (a rate limit is reported, not slept on). */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

/** Creates the Octokit client of one host: auth, throttling (no long sleeps), retries of 5xx, timeouts, counters. */
export function createClient(options: ClientOptions): ResolverOctokitClient {
  const { settings, log } = options;
  const wait =
    (kind: string) =>
    (retryAfter: number, request: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
      const retrying = retryCount < 1 && retryAfter <= settings.maxRateLimitWaitSeconds;
      log.warn(`${kind} rate limit`, {
        method: request.method,
        url: request.url,
        retryAfterSeconds: retryAfter,
        retrying,
      });
      return retrying;
    };
  const shared = options.authOf;
  const authOptions = shared
    ? { authStrategy: () => shared.auth }
    : options.auth === undefined
      ? {}
      : "token" in options.auth
        ? { auth: options.auth.token }
        : {
            authStrategy: createAppAuth,
            auth: {
              appId: options.auth.appId,
              privateKey: options.auth.privateKey,
              installationId: options.auth.installationId,
            },
          };
  return new ResolverOctokit({
    baseUrl: options.baseUrl,
    userAgent: settings.userAgent,
    ...authOptions,
    request: {
      fetch: timedFetch(options.fetch ?? nodeFetch, settings.requestTimeoutMs, options.observer),
    },
    // Octokit's debug line carries the full request options (credentials included): never forwarded.
    log: {
      debug: () => {},
      info: (message: unknown) => log.debug(String(message)),
      warn: (message: unknown) => log.warn(String(message)),
      error: (message: unknown) => log.debug(String(message)),
    },
    retry: {
      ...(options.retried === false ? { enabled: false } : {}),
      retries: settings.retries,
      retryAfterBaseValue: settings.retryBaseDelayMs,
      doNotRetry: DO_NOT_RETRY,
    },
    throttle: {
      ...(options.throttled === false ? { enabled: false } : {}),
      id: `drift-${randomUUID()}`,
      // The plugin spaces GraphQL requests like writes (1 per second, one at a time); queries are reads, so the
      // spacing and concurrency are ours to set.
      write: new Bottleneck.Group({
        maxConcurrent: settings.maxConcurrencyPerHost,
        // A window of twice the slots (same average): a sweep's resolution queries and then its packets'
        // queries leave without waiting for the window's refresh (up to 240 ms on a first sweep's path).
        ...graphqlPace(2 * settings.maxConcurrencyPerHost, settings.graphqlMinIntervalMs),
      }),
      // The plugin holds every request to 10 in flight; our slots (resolution, and packets beside it) bound them.
      // (`global` is read by the plugin but missing from its option types.)
      ...{
        global: new Bottleneck.Group({
          maxConcurrent: settings.maxConcurrencyPerHost + settings.packetConcurrency,
        }),
      },
      onRateLimit: wait("primary"),
      onSecondaryRateLimit: wait("secondary"),
    },
  });
}
