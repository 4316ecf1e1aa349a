import { setMaxListeners } from "node:events";
import {
  newUsage,
  type Resolution,
  type ResolveRequest,
  type Resolver,
  type ResolverStats,
  type ResolveUsage,
} from "@drift/core";
import { GiteaHostClient } from "./gitea/gitea-host-client";
import { GitHubHostClient } from "./graphql/github-host-client";
import { fetchReviews } from "./packets/review-packet";
import type { HostResolverConfig } from "./shared/config";
import { failure } from "./shared/errors";
import { ResolverContext } from "./shared/resolver-context";

/** The resolver, plus what tests and metrics like to see of its adaptive state. */
export interface HostResolver extends Resolver {
  /** Repositories per GraphQL query right now (shrinks on resource limits, grows back). */
  readonly repositoriesPerQuery: number;
}

/**
 * Creates the ref resolver for github.com / GHES (GraphQL batches, REST fallback) and Gitea/Forgejo hosts
 * (REST). Create one per process and reuse it: its adaptive batch size, rate budgets and clients persist.
 *
 * @example
 * const resolver = createHostResolver({ auth: { token: process.env.GITHUB_TOKEN ?? "" }, reserve: 200 });
 * const results = await resolver.resolve([{ target }]);
 * results.get(target.key); // { status: "resolved", sha } or { status: "failed", kind, message }
 */
export function createHostResolver(config: HostResolverConfig = {}): HostResolver {
  const context = new ResolverContext(config);
  const { settings, redact, log, counters } = context;
  // Host clients are made on first use: a sweep with no Gitea target never builds a Gitea client.
  let github: GitHubHostClient | undefined;
  const githubClient = (): GitHubHostClient => {
    github ??= new GitHubHostClient(context);
    return github;
  };
  const gitea = new Map<string, GiteaHostClient>();
  const giteaHost = (host: string): GiteaHostClient => {
    const client = gitea.get(host) ?? new GiteaHostClient(context, host);
    gitea.set(host, client);
    return client;
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
      return github?.batchSize ?? settings.repositoriesPerQuery;
    },

    async resolve(
      requests: readonly ResolveRequest[],
      outer?: AbortSignal,
      usage: ResolveUsage = newUsage(),
    ): Promise<Map<string, Resolution>> {
      // A signal of this call's own: its requests carry it down to fetch, where they are counted into `usage`.
      const signal = trackedSignal(context, outer, usage);
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
        shares.push(guarded(githubRequests, () => githubClient().resolve(githubRequests, signal)));
      for (const [host, reqs] of giteaRequests)
        shares.push(guarded(reqs, () => giteaHost(host).resolve(reqs, signal)));
      for (const share of await Promise.all(shares))
        for (const [key, value] of share) results.set(key, value);
      for (const key of distinct.keys())
        if (!results.has(key)) results.set(key, failure("transient", "no answer for this target"));

      log.info("refs resolved", { targets: distinct.size, ...countKinds(results), ...counters });
      return results;
    },

    review: (requests, outer, usage = newUsage()) =>
      fetchReviews(
        { github: () => githubClient().review, gitea: (host) => giteaHost(host).review },
        requests,
        trackedSignal(context, outer, usage),
      ),

    stats: () => statsOf(context),
  };
}

/** The counters, and what each GitHub budget has left: GraphQL points and REST requests are different currencies. */
function statsOf(context: ResolverContext): ResolverStats {
  const remaining: ResolverStats["budgetRemaining"] = {};
  for (const [api, budget] of context.budgets) {
    const left = budget.lastRemaining;
    if (left !== undefined) remaining[api] = left;
  }
  return { ...context.counters, ...(Object.keys(remaining).length ? { budgetRemaining: remaining } : {}) };
}

/** How many answers of each kind (`resolved`, or the failure kind), for the log line. */
function countKinds(results: Map<string, Resolution>): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const r of results.values()) {
    const kind = r.status === "resolved" ? "resolved" : r.kind;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

/** A signal that aborts with `outer` (if any) and identifies one resolve call. */
function callSignal(outer: AbortSignal | undefined): AbortSignal {
  const controller = new AbortController();
  // Every request of the call listens to it (hundreds at once for review packets): not a leak, it dies with the call.
  setMaxListeners(0, controller.signal);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener("abort", () => controller.abort(outer.reason), { once: true });
  return controller.signal;
}

/** A call's own signal, whose requests are counted into `usage`. */
function trackedSignal(context: ResolverContext, outer: AbortSignal | undefined, usage: ResolveUsage) {
  const signal = callSignal(outer);
  context.track(signal, usage);
  return signal;
}
