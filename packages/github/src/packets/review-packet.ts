import {
  type CommitReview,
  type CompareReview,
  type Fetched,
  type ReviewAnswer,
  type ReviewRequest,
  repoWebUrl,
  reviewKey,
} from "@drift/core";
import { retryable } from "../graphql/graphql-send";
import { classifyError } from "../shared/errors";
import type { HostEnv } from "../shared/host";
import { mapBounded } from "../shared/limit";
import { repeating } from "../shared/repeat";
import { addImmutability } from "./release-immutable";
import { buildPacketQuery, type PacketSelection, readPacketRepo } from "./review-packet-query";
import { type Flavour, restCommitReview, restCompareReview } from "./review-packet-rest";
import { addTagSignatures, type PacketTag } from "./tag-signature";

/**
 * Fetches review packets for drifts, batched like resolution: on github.com / GHES one GraphQL query carries
 * the new commits and releases of up to {@link PACKET_REPOS_PER_QUERY} repositories (aliases); comparisons and
 * Gitea go through REST, one request per distinct (repository, installed, new) commit pair, on GitHub many at
 * once (its packet slot: one round trip for most sweeps' drifts). Everything goes through a concurrency slot and
 * the host's rate budget; what cannot be fetched is answered as a failure.
 */

/** Repositories per packet query (a release description is heavier than a ref). */
export const PACKET_REPOS_PER_QUERY = 50;

/** How to reach one host for packets. */
export interface ReviewHost {
  readonly flavour: Flavour;
  /** REST (comparisons; commits when there is no GraphQL). */
  readonly rest: HostEnv;
  /** The same REST client and budget with a wider concurrency slot for packets (GitHub), if the host has one. */
  readonly packetRest?: HostEnv;
  /** GitHub GraphQL endpoint, when GraphQL is on. */
  readonly graphql?: { readonly env: HostEnv; readonly url: string };
  readonly webBase: string;
}

export interface ReviewHosts {
  github(): ReviewHost;
  gitea(host: string): ReviewHost;
}

type Commits = Map<string, Fetched<CommitReview>>;
const commitKey = (repo: string, sha: string) => `${repo}\n${sha}`;

/** Answers every request (a failure where nothing could be learned). Never throws. */
export async function fetchReviews(
  hosts: ReviewHosts,
  requests: readonly ReviewRequest[],
  signal?: AbortSignal,
): Promise<Map<string, ReviewAnswer>> {
  const byHost = new Map<string, { host: ReviewHost; requests: ReviewRequest[] }>();
  for (const r of requests) {
    const id = r.target.provider === "github" ? "github" : `gitea:${r.target.host}`;
    const entry = byHost.get(id) ?? {
      host: r.target.provider === "github" ? hosts.github() : hosts.gitea(r.target.host),
      requests: [],
    };
    entry.requests.push(r);
    byHost.set(id, entry);
  }
  const answers = new Map<string, ReviewAnswer>();
  await Promise.all(
    [...byHost.values()].map(async ({ host, requests: mine }) => {
      const [commits, compares] = await Promise.all([
        fetchCommits(host, mine, signal),
        fetchCompares(host, mine, signal),
      ]);
      for (const r of mine) {
        const repo = repoId(r);
        const commit = r.commit ? commits.get(commitKey(repo, r.latestSha)) : undefined;
        answers.set(reviewKey(r.target.key, r.latestSha), {
          ...(commit ? { commit } : {}),
          compares: new Map(
            r.currents.map((c) => [
              c,
              compares.get(`${repo}\n${c}\n${r.latestSha}`) ?? { ok: false, error: "not compared" },
            ]),
          ),
        });
      }
    }),
  );
  return answers;
}

const repoId = (r: ReviewRequest) => `${r.target.owner.toLowerCase()}/${r.target.repo.toLowerCase()}`;

/** Distinct (repository, new commit) → its packet, through GraphQL batches or REST. */
async function fetchCommits(host: ReviewHost, requests: readonly ReviewRequest[], signal?: AbortSignal) {
  const repos = new Map<string, { owner: string; name: string; commits: Map<string, string | null> }>();
  const tags = new Map<string, PacketTag>();
  for (const r of requests) {
    if (!r.commit) continue;
    const id = repoId(r);
    const repo = repos.get(id) ?? { owner: r.target.owner, name: r.target.repo, commits: new Map() };
    if (!repo.commits.get(r.latestSha)) repo.commits.set(r.latestSha, r.releaseTag);
    repos.set(id, repo);
    const known = tags.get(commitKey(id, r.latestSha));
    if (r.tagObject !== undefined && typeof known?.tagObject !== "string")
      tags.set(commitKey(id, r.latestSha), {
        repo,
        tagObject: r.tagObject,
        ...(r.tagSignature ? { tagSignature: r.tagSignature } : {}),
      });
  }
  const out = await fetchCommitPackets(host, repos, signal);
  await addTagSignatures(host.rest, out, (key) => tags.get(key), signal);
  return out;
}

/** The packets of these repositories' new commits: GraphQL (releases' immutability from REST), else REST. */
async function fetchCommitPackets(host: ReviewHost, repos: Map<string, RepoCommits>, signal?: AbortSignal) {
  const out: Commits = new Map();
  const all = [...repos.entries()];
  if (host.graphql) {
    const { graphql } = host;
    const chunks: Chunk[] = [];
    for (let i = 0; i < all.length; i += PACKET_REPOS_PER_QUERY)
      chunks.push(all.slice(i, i + PACKET_REPOS_PER_QUERY));
    // All chunks at once: the host's limiter bounds how many are in flight, as for resolution queries.
    for (const answered of await Promise.all(chunks.map((c) => graphqlChunk(host, graphql, c, signal))))
      for (const [key, value] of answered) out.set(key, value);
    await addImmutability(host.rest, out, (key) => repos.get(key.slice(0, key.indexOf("\n"))), signal);
    return out;
  }
  const work = all.flatMap(([id, repo]) => [...repo.commits].map(([sha, tag]) => ({ id, repo, sha, tag })));
  const [env, inFlight] = packetSlot(host);
  await mapBounded(work, inFlight, async (w) => {
    const url = repoWebUrl(host.webBase, w.repo.owner, w.repo.name);
    const repo = { owner: w.repo.owner, name: w.repo.name, url };
    out.set(commitKey(w.id, w.sha), await restCommitReview(env, host.flavour, repo, w.sha, w.tag, signal));
  });
  return out;
}

type RepoCommits = { owner: string; name: string; commits: Map<string, string | null> };
type Chunk = [string, RepoCommits][];

/** One GraphQL query for a chunk of repositories. */
async function graphqlChunk(
  host: ReviewHost,
  graphql: NonNullable<ReviewHost["graphql"]>,
  chunk: Chunk,
  signal?: AbortSignal,
): Promise<Commits> {
  const selections: PacketSelection[] = chunk.map(([, repo]) => ({
    owner: repo.owner,
    name: repo.name,
    commits: [...repo.commits.keys()],
    releases: [...new Set([...repo.commits.values()].filter((t): t is string => t !== null))],
  }));
  const built = buildPacketQuery(selections);
  const out: Commits = new Map();
  const failAll = (error: string, deferred = false) => {
    for (const [id, repo] of chunk)
      for (const sha of repo.commits.keys())
        out.set(commitKey(id, sha), { ok: false, error, ...(deferred ? { deferred } : {}) });
    return out;
  };
  const { env } = graphql;
  const sent = await sendPacketQuery(graphql, built, chunk.length, signal);
  if ("deferred" in sent) return failAll(sent.deferred, true);
  if ("error" in sent) return failAll(sent.error.failure.message);
  const data = sent.body?.data;
  if (!data || typeof data !== "object") return failAll("GraphQL answered without data");
  const rate = data.rateLimit as { cost?: unknown; remaining?: unknown; resetAt?: unknown } | undefined;
  if (typeof rate?.remaining === "number")
    env.budget.observe(rate.remaining, typeof rate.resetAt === "string" ? new Date(rate.resetAt) : undefined);
  if (typeof rate?.cost === "number") env.onPoints(rate.cost, signal);
  const errors = Array.isArray(sent.body?.errors)
    ? (sent.body.errors as { path?: unknown[]; message?: string; type?: string }[])
    : [];
  built.repos.forEach((repo, i) => {
    const [id, sel] = chunk[i] as Chunk[number];
    const own = errors.filter((e) => Array.isArray(e.path) && e.path[0] === repo.alias);
    const said = (e: { message?: string; type?: string }) =>
      env.redact.text(e.message ?? e.type ?? "error").slice(0, 200);
    const repoError = own.find((e) => e.path?.length === 1);
    const fieldErrors = new Map(
      own.filter((e) => (e.path?.length ?? 0) > 1).map((e) => [String(e.path?.[1]), said(e)] as const),
    );
    const node = data[repo.alias] as Record<string, unknown> | null | undefined;
    const results = readPacketRepo(
      repo,
      node,
      fieldErrors,
      (sha) => sel.commits.get(sha) ?? null,
      repoError ? said(repoError) : undefined,
      repoWebUrl(host.webBase, sel.owner, sel.name),
    );
    for (const [sha, result] of results) out.set(commitKey(id, sha), result);
  });
  return out;
}

type Sent =
  | { deferred: string }
  | { error: ReturnType<typeof classifyError> }
  | { body: { data?: Record<string, unknown> | null; errors?: unknown } };

/**
 * Sends one packet query inside the host's slot and budget. A plain 5xx is repeated (as resolution's queries
 * are); a heavy failure or a limit is the packet's failure.
 */
async function sendPacketQuery(
  graphql: NonNullable<ReviewHost["graphql"]>,
  built: ReturnType<typeof buildPacketQuery>,
  repositories: number,
  signal?: AbortSignal,
): Promise<Sent> {
  const { env, url } = graphql;
  const once = () =>
    env.limiter.run(async (): Promise<Sent> => {
      if (signal?.aborted) return { deferred: "the sweep was stopped" };
      if (!env.budget.tryReserve(1))
        return { deferred: `rate budget reserve (${env.budget.reserve}) reached` };
      try {
        const answer = await env.client.request({
          method: "POST",
          url,
          query: built.query,
          variables: built.variables,
          // Repeated here, not by the retry plugin (the GraphQL client may have none: github-host-client.ts).
          request: { signal, retries: 0 },
        });
        return { body: answer.data as { data?: Record<string, unknown> | null; errors?: unknown } };
      } catch (error) {
        return { error: classifyError(error, `review packets of ${repositories} repositories`, env.redact) };
      } finally {
        env.budget.release(1);
      }
    });
  return repeating(once, (sent) => "error" in sent && retryable(sent.error), env.settings, signal);
}

/** Distinct (repository, installed, new) → the comparison, over REST. */
async function fetchCompares(host: ReviewHost, requests: readonly ReviewRequest[], signal?: AbortSignal) {
  const pairs = new Map<string, { owner: string; name: string; current: string; latest: string }>();
  for (const r of requests)
    for (const current of r.currents)
      pairs.set(`${repoId(r)}\n${current}\n${r.latestSha}`, {
        owner: r.target.owner,
        name: r.target.repo,
        current,
        latest: r.latestSha,
      });
  const out = new Map<string, Fetched<CompareReview>>();
  const [env, inFlight] = packetSlot(host);
  await mapBounded([...pairs], inFlight, async ([key, p]) => {
    out.set(key, await restCompareReview(env, host.flavour, p, p.current, p.latest, signal));
  });
  return out;
}

/** The REST environment packets use and how many of its requests may be in flight. */
function packetSlot(host: ReviewHost): [HostEnv, number] {
  return host.packetRest
    ? [host.packetRest, host.packetRest.settings.packetConcurrency]
    : [host.rest, host.rest.settings.maxConcurrencyPerHost];
}
