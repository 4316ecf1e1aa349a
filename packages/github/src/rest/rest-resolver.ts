import { type KnownState, type Resolution, type ResolveRequest, repoKey, type Target } from "@drift/core";
import { type Failure, failure } from "../shared/errors";
import { FULL_SHA, type HostEnv, HostGate, label, resolved, tagObjectOf } from "../shared/host";
import { mapBounded } from "../shared/limit";
import { tagFactsOf } from "../shared/signature";
import { type ListedTag, pickLatest, pickSatisfying, prefixed } from "../shared/tags";
import { CallTimeouts } from "../shared/timeouts";
import { type RestCall, sendRest } from "./rest-send";

/** Which REST dialect a host speaks. */
export type RestFlavour = "github" | "gitea";

/** What a tag listing says a tag points at. */
interface TagPointer {
  /** The commit (GitHub peels); on Gitea the object one level down, which may be another tag or a tree. */
  readonly sha: string;
  /**
   * Gitea: the tag object's own id when the tag is annotated (it must be peeled before `sha` is trusted), null
   * for a lightweight tag; undefined when the listing does not say (GitHub lists commits only).
   */
  readonly object?: string | null;
}

interface Call extends RestCall {
  /** repository → its tag list (fetched once per call, whatever the number of tag:latest/semver targets) */
  readonly tagLists: Map<string, Promise<ListedTag<TagPointer>[] | Failure>>;
  /** repository + tag object id → the commit it peels to (asked once per call) */
  readonly peels: Map<string, Promise<Resolution>>;
}

const encodePath = (name: string) => name.split("/").map(encodeURIComponent).join("/");
const MAX_TAG_PAGES = 100;
/** Tag objects followed per chain, in case a host answers `git/tags/{sha}` one level at a time. */
const MAX_PEEL_DEPTH = 8;
/** tag:latest / semver: how many best tags may turn out to be tags of trees or blobs before giving up. */
const MAX_NON_COMMIT_CANDIDATES = 20;

/**
 * Resolves targets one REST request each (Gitea/Forgejo, and GitHub when GraphQL is off or unavailable).
 * GitHub: `GET /repos/{o}/{r}/commits/{heads|tags}/{name}` with the SHA media type and `If-None-Match`
 * (a 304 reuses the known SHA and costs no rate limit). Gitea: `/branches/{name}` and `/tags/{name}`; Gitea's
 * `commit.sha` of an annotated tag is the object ONE level down (another tag for a tag of a tag, a tree for a tag
 * of a tree), so an annotated tag is peeled with `git/tags/{id}`, which answers the commit of the whole chain
 * (a 400 when the chain ends at a tree or blob: the target is invalid). tag:latest / semver list the tags once
 * per repository, following `Link` (GitHub) or `X-Total-Count` (Gitea sends no Link).
 */
export class RestResolver {
  private readonly gate = new HostGate();

  constructor(
    private readonly env: HostEnv,
    private readonly flavour: RestFlavour,
  ) {}

  async resolve(requests: readonly ResolveRequest[], signal?: AbortSignal): Promise<Map<string, Resolution>> {
    const call: Call = { signal, tagLists: new Map(), peels: new Map(), timeouts: new CallTimeouts() };
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
        let candidates = tags;
        // The best tag may be a tag of a tree or blob (only known once peeled): it cannot win, the next one may.
        for (let i = 0; i < MAX_NON_COMMIT_CANDIDATES; i++) {
          const choice =
            ref.type === "latest"
              ? pickLatest(candidates, ref.prefix)
              : pickSatisfying(candidates, ref.range, ref.prefix);
          if (!choice) {
            return failure(
              "not_found",
              ref.type === "latest"
                ? `no stable semver tag${prefixed(ref.prefix)} in ${label(t)}`
                : `no tag${prefixed(ref.prefix)} of ${label(t)} satisfies ${ref.range}`,
            );
          }
          const end = await this.commitOf(t, choice.target, `tag ${choice.name} in ${label(t)}`, call);
          if (end.status === "resolved")
            return resolved(end.sha, {
              tag: choice.name,
              tags: tags.map((t) => ({
                name: t.name,
                sha: t.target.sha,
                ...(t.target.object !== undefined ? { object: t.target.object } : {}),
              })),
              ...tagObjectOf(end),
            });
          if (end.kind !== "invalid") return end;
          candidates = candidates.filter((c) => c !== choice);
        }
        return failure("transient", `${label(t)}: too many tags of trees or blobs among the best versions`);
      }
    }
  }

  /** The commit a listed tag stands for: as listed, or (Gitea annotated tags) peeled first, with its tag object. */
  private commitOf(t: Target, pointer: TagPointer, what: string, call: Call): Promise<Resolution> {
    if (typeof pointer.object !== "string") {
      const object = pointer.object === null ? { tagObject: null } : {};
      return Promise.resolve(resolved(pointer.sha, object));
    }
    const key = `${repoKey(t)}\0${pointer.object}`;
    let peeled = call.peels.get(key);
    if (!peeled) {
      peeled = this.peel(t, pointer.object, what, call);
      call.peels.set(key, peeled);
    }
    return peeled;
  }

  /**
   * Gitea: follows `git/tags/{sha}` until a commit; a chain ending at a tree or blob makes the target invalid.
   * The first answer is the tag object's own: its tagger date and signature verdict come with the resolution.
   */
  private async peel(t: Target, tagObject: string, what: string, call: Call): Promise<Resolution> {
    const repoPath = `/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}`;
    let sha = tagObject;
    let facts: ReturnType<typeof tagFactsOf> = {};
    for (let depth = 0; depth < MAX_PEEL_DEPTH; depth++) {
      const sent = await this.send(call, what, `${repoPath}/git/tags/${sha}`, {});
      if (!sent.ok) {
        // Gitea answers 400 to every failure of GetAnnotatedTag; for a tag object it just listed, that means
        // the chain does not end at a commit.
        if (sent.status === 400) return failure("invalid", `${what} does not point to a commit`);
        return sent.failure;
      }
      const data = sent.value.data as { object?: { type?: unknown; sha?: unknown } } | undefined;
      const object = data?.object;
      if (depth === 0) facts = tagFactsOf(data);
      const next = typeof object?.sha === "string" && FULL_SHA.test(object.sha) ? object.sha : undefined;
      if (object?.type === "commit" && next) return resolved(next, { tagObject, ...facts });
      if (object?.type === "tag" && next) {
        sha = next;
        continue;
      }
      if (typeof object?.type === "string" && object.type !== "commit" && object.type !== "tag")
        return failure("invalid", `${what} points to a ${object.type}, not a commit`);
      return failure("transient", `${what}: unexpected answer`);
    }
    return failure("transient", `${what}: tag chain deeper than ${MAX_PEEL_DEPTH}`);
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
    const data = sent.value.data as { id?: unknown; commit?: { id?: unknown; sha?: unknown } } | string;
    const sha =
      typeof data === "string" ? data.trim() : kind === "branch" ? data?.commit?.id : data?.commit?.sha;
    if (typeof sha !== "string" || !FULL_SHA.test(sha))
      return failure("transient", `${what}: unexpected answer`);
    const answered = { etag: sent.value.headers.etag ?? "" };
    if (github || kind === "branch" || typeof data === "string") return resolved(sha, answered);
    const end = await this.commitOf(t, giteaPointer(data.id, sha), what, call);
    return end.status === "resolved" ? resolved(end.sha, { ...answered, ...tagObjectOf(end) }) : end;
  }

  /**
   * Every tag of a repository with what it points at, following the pages: by `Link: rel="next"` when the host
   * sends Link headers (GitHub), else while fewer than `X-Total-Count` were listed (Gitea: no Link, and the
   * page size may be capped below what was asked), else until an empty page.
   */
  private async listTags(t: Target, call: Call): Promise<ListedTag<TagPointer>[] | Failure> {
    const what = `tags of ${label(t)}`;
    const path = `/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/tags`;
    const github = this.flavour === "github";
    const size = github ? { per_page: 100 } : { limit: 50 };
    const tags = new Map<string, ListedTag<TagPointer>>();
    let listed = 0;
    for (let page = 1; page <= MAX_TAG_PAGES; page++) {
      const sent = await this.send(call, what, path, { ...size, page });
      if (!sent.ok)
        return sent.failure.kind === "not_found"
          ? failure("not_found", `repository ${label(t)} not found`)
          : sent.failure;
      const items = Array.isArray(sent.value.data)
        ? (sent.value.data as { name?: unknown; id?: unknown; commit?: { sha?: unknown } }[])
        : [];
      listed += items.length;
      for (const item of items) {
        const sha = item?.commit?.sha;
        // By name: a tag created while paging shifts a newest-first list, and may be listed twice.
        if (typeof item?.name === "string" && typeof sha === "string" && FULL_SHA.test(sha))
          tags.set(item.name, { name: item.name, target: github ? { sha } : giteaPointer(item.id, sha) });
      }
      const { link, "x-total-count": totalHeader } = sent.value.headers;
      const total = Number(totalHeader);
      const more =
        link !== undefined
          ? /rel="next"/.test(link)
          : items.length > 0 && (!totalHeader || !Number.isFinite(total) || listed < total);
      if (!more) return [...tags.values()];
    }
    return failure("transient", `${what}: more than ${MAX_TAG_PAGES} pages`);
  }

  private send(call: Call, what: string, path: string, params: Record<string, unknown>) {
    return sendRest(this.env, this.gate, call, what, path, params);
  }
}

/** Gitea's tag JSON: `id` is the tag's own object; when it differs from `commit.sha` the tag is annotated. */
function giteaPointer(id: unknown, sha: string): TagPointer {
  if (typeof id !== "string" || !FULL_SHA.test(id)) return { sha };
  return id.toLowerCase() !== sha.toLowerCase() ? { sha, object: id.toLowerCase() } : { sha, object: null };
}
