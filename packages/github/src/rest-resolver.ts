import { type KnownState, type Resolution, type ResolveRequest, repoKey, type Target } from "@drift/core";
import { classifyError, type Failure, failure } from "./errors";
import { abortDeferral, budgetDeferral, FULL_SHA, type HostEnv, HostGate, label, resolved } from "./host";
import { mapBounded } from "./limit";
import { type ListedTag, pickLatest, pickSatisfying } from "./tags";

/** Which REST dialect a host speaks. */
export type RestFlavour = "github" | "gitea";

type Sent<T> = { ok: true; value: T } | { ok: false; failure: Failure; status?: number };

interface Call {
  readonly signal?: AbortSignal;
  /** repository → its tag list (fetched once per call, whatever the number of tag:latest/semver targets) */
  readonly tagLists: Map<string, Promise<ListedTag<string>[] | Failure>>;
}

interface RestResponse {
  data: unknown;
  headers: Record<string, string | undefined>;
}

const encodePath = (name: string) => name.split("/").map(encodeURIComponent).join("/");
const MAX_TAG_PAGES = 100;

/**
 * Resolves targets one REST request each (Gitea/Forgejo, and GitHub when GraphQL is off or unavailable).
 * GitHub: `GET /repos/{o}/{r}/commits/{heads|tags}/{name}` with the SHA media type and `If-None-Match`
 * (a 304 reuses the known SHA and costs no rate limit). Gitea: `/branches/{name}` and `/tags/{name}` (both
 * answer the peeled commit). tag:latest / semver list the tags once per repository.
 */
export class RestResolver {
  private readonly gate = new HostGate();

  constructor(
    private readonly env: HostEnv,
    private readonly flavour: RestFlavour,
  ) {}

  async resolve(requests: readonly ResolveRequest[], signal?: AbortSignal): Promise<Map<string, Resolution>> {
    const call: Call = { signal, tagLists: new Map() };
    const results = new Map<string, Resolution>();
    // Requests are bounded by the host's semaphore; this only bounds the number of pending promises.
    await mapBounded(requests, this.env.settings.maxConcurrencyPerHost * 2, async (req) => {
      results.set(req.target.key, await this.resolveOne(req.target, req.known, call));
    });
    return results;
  }

  private async resolveOne(t: Target, known: KnownState | undefined, call: Call): Promise<Resolution> {
    const ref = t.ref;
    switch (ref.type) {
      case "sha":
        return resolved(ref.sha);
      case "tag":
      case "branch":
        return this.lookup(t, ref.type, ref.name, known, call);
      case "ref": {
        const branch = await this.lookup(t, "branch", ref.name, known, call);
        if (branch.status === "resolved" || branch.kind !== "not_found") return branch;
        const tag = await this.lookup(t, "tag", ref.name, known, call);
        if (tag.status === "resolved" || tag.kind !== "not_found") return tag;
        return failure("not_found", `no branch or tag ${ref.name} in ${label(t)}`);
      }
      case "latest":
      case "semver": {
        const key = repoKey(t);
        let list = call.tagLists.get(key);
        if (!list) {
          list = this.listTags(t, call);
          call.tagLists.set(key, list);
        }
        const tags = await list;
        if (!Array.isArray(tags)) return tags;
        const choice = ref.type === "latest" ? pickLatest(tags) : pickSatisfying(tags, ref.range);
        if (!choice) {
          return failure(
            "not_found",
            ref.type === "latest"
              ? `no stable semver tag in ${label(t)}`
              : `no tag of ${label(t)} satisfies ${ref.range}`,
          );
        }
        return resolved(choice.target, { tag: choice.name });
      }
    }
  }

  /** One branch or tag → its commit, conditionally when an ETag and the SHA it stood for are known. */
  private async lookup(
    t: Target,
    kind: "tag" | "branch",
    name: string,
    known: KnownState | undefined,
    call: Call,
  ): Promise<Resolution> {
    const what = `${kind} ${name} in ${label(t)}`;
    const repoPath = `/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}`;
    const etag = known?.sha && known.etag ? known.etag : undefined;
    const conditional = etag ? { "if-none-match": etag } : {};
    const github = this.flavour === "github";
    const path = github
      ? `${repoPath}/commits/${kind === "branch" ? "heads" : "tags"}/${encodePath(name)}`
      : `${repoPath}/${kind === "branch" ? "branches" : "tags"}/${encodePath(name)}`;
    const headers = github ? { accept: "application/vnd.github.sha", ...conditional } : conditional;
    const sent = await this.send(call, what, path, { headers });
    if (!sent.ok) {
      if (sent.status === 304 && known?.sha) return resolved(known.sha, { etag: etag ?? "" });
      if (sent.failure.kind === "not_found") return failure("not_found", `${what} not found`);
      return sent.failure;
    }
    const data = sent.value.data as { commit?: { id?: unknown; sha?: unknown } } | string;
    const sha =
      typeof data === "string" ? data.trim() : kind === "branch" ? data?.commit?.id : data?.commit?.sha;
    if (typeof sha !== "string" || !FULL_SHA.test(sha))
      return failure("transient", `${what}: unexpected answer`);
    return resolved(sha, { etag: sent.value.headers.etag ?? "" });
  }

  /** Every tag of a repository with its (peeled) commit, following the pages. */
  private async listTags(t: Target, call: Call): Promise<ListedTag<string>[] | Failure> {
    const what = `tags of ${label(t)}`;
    const path = `/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/tags`;
    const size = this.flavour === "github" ? { per_page: 100 } : { limit: 50 };
    const tags: ListedTag<string>[] = [];
    for (let page = 1; page <= MAX_TAG_PAGES; page++) {
      const sent = await this.send(call, what, path, { ...size, page });
      if (!sent.ok)
        return sent.failure.kind === "not_found"
          ? failure("not_found", `repository ${label(t)} not found`)
          : sent.failure;
      const items = Array.isArray(sent.value.data)
        ? (sent.value.data as { name?: unknown; commit?: { sha?: unknown } }[])
        : [];
      for (const item of items) {
        const sha = item?.commit?.sha;
        if (typeof item?.name === "string" && typeof sha === "string" && FULL_SHA.test(sha))
          tags.push({ name: item.name, target: sha });
      }
      if (!/rel="next"/.test(sent.value.headers.link ?? "")) return tags;
    }
    return failure("transient", `${what}: more than ${MAX_TAG_PAGES} pages`);
  }

  /**
   * One GET through the host's semaphore. The gate and the budget are checked inside the slot, so requests
   * waiting for it never go out after the host said stop. Failures typed; a 304 is reported by its status.
   */
  private send(
    call: Call,
    what: string,
    path: string,
    params: Record<string, unknown>,
  ): Promise<Sent<RestResponse>> {
    const { budget, client, limiter, redact } = this.env;
    return limiter.run(async (): Promise<Sent<RestResponse>> => {
      if (call.signal?.aborted) return { ok: false, failure: abortDeferral() };
      const stop = this.gate.check(call);
      if (stop) return { ok: false, failure: stop };
      if (!budget.tryReserve(1)) return { ok: false, failure: budgetDeferral(budget.reserve) };
      try {
        const response = await client.request(`GET ${path}`, { ...params, request: { signal: call.signal } });
        return {
          ok: true,
          value: { data: response.data, headers: response.headers as RestResponse["headers"] },
        };
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 304) return { ok: false, failure: failure("transient", "not modified"), status };
        const c = classifyError(error, what, redact);
        if (c.hostWide) this.gate.close(c.failure, call);
        return { ok: false, failure: c.failure, status: c.status };
      } finally {
        budget.release(1);
      }
    });
  }
}
