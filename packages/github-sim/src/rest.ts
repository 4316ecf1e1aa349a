// size: the simulator's REST surface for both hosts (GitHub and Gitea) with their shared paging and ETag rules.
import { createHash } from "node:crypto";
import { commitDetail, giteaReviewRest, githubReviewRest, verificationOf } from "./rest-review";
import type { RestContext, RestRequest, SimResponse } from "./rest-types";
import type { SimRepo } from "./world";

export type { RestContext, RestRequest, SimResponse } from "./rest-types";

const json = (status: number, value: unknown, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(value),
});

const githubError = (status: number, message: string, docs = "https://docs.github.com/rest") =>
  json(status, { message, documentation_url: docs, status: String(status) });

const giteaNotFound = (what: string) =>
  json(404, {
    errors: [`${what} does not exist`],
    message: "The target couldn't be found.",
    url: "https://gitea.example/api/swagger",
  });

const header = (req: RestRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
};

/** Strong or weak ETag comparison of an If-None-Match list (RFC 9110 weak comparison). */
function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) => t.trim() === "*" || bare(t) === bare(etag));
}

/** Answers 200 with an ETag, or 304 when the client already holds that representation. */
function conditional(
  req: RestRequest,
  body: string,
  contentType: string,
  extra: Record<string, string> = {},
): SimResponse {
  const etag = `W/"${createHash("sha1").update(`${contentType}\0${body}`).digest("hex")}"`;
  if (etagMatches(header(req, "if-none-match"), etag))
    return { status: 304, headers: { etag, ...extra }, charge: false };
  return { status: 200, headers: { "content-type": contentType, etag, ...extra }, body };
}

function page(req: RestRequest, sizeParam: "per_page" | "limit", defaultSize: number, maxSize: number) {
  const size = Math.min(maxSize, Math.max(1, Number(req.query.get(sizeParam)) || defaultSize));
  const pageNo = Math.max(1, Number(req.query.get("page")) || 1);
  return { size, pageNo };
}

/** Slices one page and builds GitHub/Gitea-style Link (and Gitea's X-Total-Count) headers. */
function paginate<T>(
  req: RestRequest,
  items: T[],
  sizeParam: "per_page" | "limit",
  defaultSize: number,
  maxSize: number,
) {
  const { size, pageNo } = page(req, sizeParam, defaultSize, maxSize);
  const last = Math.max(1, Math.ceil(items.length / size));
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(req.query);
    q.set(sizeParam, String(size));
    q.set("page", String(p));
    return `<${req.base}/${req.segments.map(encodeURIComponent).join("/")}?${q}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNo < last) links.push(link(pageNo + 1, "next"), link(last, "last"));
  if (pageNo > 1) links.push(link(1, "first"), link(pageNo - 1, "prev"));
  const headers: Record<string, string> = { "x-total-count": String(items.length) };
  if (links.length) headers.link = links.join(", ");
  return { items: items.slice((pageNo - 1) * size, pageNo * size), headers };
}

const linkOnly = (headers: Record<string, string>): Record<string, string> =>
  headers.link ? { link: headers.link } : {};

const byNameDesc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/** The repository of `segments[1]/segments[2]`, a 301 when it was renamed, or a 404. */
function repoOr(ctx: RestContext, req: RestRequest, notFound: SimResponse): SimRepo | SimResponse {
  const fullName = `${req.segments[1]}/${req.segments[2]}`;
  const moved = ctx.world.renamedTo(fullName);
  if (moved) {
    const rest = req.segments.slice(3).map(encodeURIComponent).join("/");
    const search = req.query.toString();
    return {
      status: 301,
      headers: { location: `${req.base}/repos/${moved}/${rest}${search ? `?${search}` : ""}` },
    };
  }
  return ctx.world.findRepo(fullName, false) ?? notFound;
}

const isResponse = (x: SimRepo | SimResponse): x is SimResponse => "status" in x;

/** The repository object both hosts answer `GET /repos/{owner}/{repo}` with (the fields the resolver reads). */
const repoBody = (repo: SimRepo) => ({
  id: repo.id,
  name: repo.name,
  full_name: `${repo.owner}/${repo.name}`,
  default_branch: repo.defaultBranch,
});

/** GitHub REST: the endpoints the resolver and the demo use. */
export function handleGithubRest(ctx: RestContext, req: RestRequest): SimResponse {
  // size: a route table: one `if` per simulated endpoint, read top to bottom.
  const s = req.segments;
  if (req.method === "POST" && s[0] === "app" && s[1] === "installations" && s[3] === "access_tokens") {
    // The App's JWT is checked for shape only; the installation receives the configured token.
    const auth = header(req, "authorization") ?? "";
    if (!/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(auth))
      return githubError(401, "A JSON web token could not be decoded");
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    return json(201, {
      token: ctx.installationToken ?? "ghs_simulated",
      expires_at: expires,
      permissions: { contents: "read" },
      repository_selection: "all",
    });
  }
  if (req.method !== "GET" || s[0] !== "repos" || s.length < 3) return githubError(404, "Not Found");
  const found = repoOr(
    ctx,
    req,
    githubError(404, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository"),
  );
  if (isResponse(found)) return found;
  const repo = found;
  const resource = s[3];
  if (resource === undefined) {
    return json(200, repoBody(repo));
  }
  if (resource === "commits" && s.length > 4) {
    const rev = s.slice(4).join("/");
    const object = ctx.world.revParse(repo, rev);
    const sha = object ? ctx.world.peel(repo, object) : undefined;
    if (!sha)
      return githubError(
        422,
        `No commit found for SHA: ${rev}`,
        "https://docs.github.com/rest/commits/commits#get-a-commit",
      );
    if ((header(req, "accept") ?? "").includes("application/vnd.github.sha")) {
      return conditional(req, sha, "application/vnd.github.sha; charset=utf-8");
    }
    const commit = commitDetail(repo, sha, false);
    return conditional(req, JSON.stringify({ sha, commit }), "application/json; charset=utf-8");
  }
  const review = githubReviewRest(ctx, req, repo);
  if (review) return review;
  if (resource === "tags" && s.length === 4) {
    const names = [...repo.tags.keys()].sort(byNameDesc);
    const { items, headers } = paginate(req, names, "per_page", 30, 100);
    const body = items.map((name) => {
      const sha = ctx.world.peel(repo, repo.tags.get(name) ?? "") ?? "";
      return {
        name,
        commit: { sha, url: `${req.base}/repos/${repo.owner}/${repo.name}/commits/${sha}` },
        node_id: `T_${sha}`,
      };
    });
    return conditional(req, JSON.stringify(body), "application/json; charset=utf-8", linkOnly(headers));
  }
  if (resource === "branches") {
    if (s.length > 4) {
      const name = s.slice(4).join("/");
      const sha = repo.branches.get(name);
      if (!sha)
        return githubError(
          404,
          "Branch not found",
          "https://docs.github.com/rest/branches/branches#get-a-branch",
        );
      return conditional(
        req,
        JSON.stringify({ name, commit: { sha }, protected: false }),
        "application/json; charset=utf-8",
      );
    }
    const names = [...repo.branches.keys()].sort();
    const { items, headers } = paginate(req, names, "per_page", 30, 100);
    const body = items.map((name) => ({ name, commit: { sha: repo.branches.get(name) }, protected: false }));
    return conditional(req, JSON.stringify(body), "application/json; charset=utf-8", linkOnly(headers));
  }
  return githubError(404, "Not Found");
}

/**
 * Gitea / Forgejo `/api/v1`: branches, tags (`commit.sha` one level down, as Gitea fills it), annotated tag
 * objects (`git/tags/{sha}`, peeled to the commit), single commits by ref.
 */
export function handleGiteaRest(ctx: RestContext, req: RestRequest): SimResponse {
  // size: a route table: one `if` per simulated endpoint, read top to bottom.
  const s = req.segments;
  if (req.method !== "GET" || s[0] !== "repos" || s.length < 3) return giteaNotFound("route");
  const found = repoOr(ctx, req, giteaNotFound("repository"));
  if (isResponse(found)) return found;
  const repo = found;
  const resource = s[3];
  const commitUrl = (sha: string) => `${req.base}/repos/${repo.owner}/${repo.name}/git/commits/${sha}`;
  if (resource === undefined) {
    return json(200, repoBody(repo));
  }
  const branchJson = (name: string, sha: string) => ({
    name,
    commit: { id: sha, url: commitUrl(sha) },
    protected: false,
  });
  // Like Gitea's convert.ToCommitMeta: `commit.sha` is the tag's object ONE level down (tag.Object), so a tag
  // of a tag names another tag object, and a tag of a tree names the tree. `id` is the ref's own object.
  const tagJson = (name: string) => {
    const ref = repo.tags.get(name) ?? "";
    const object = repo.objects.get(ref);
    const sha = object?.type === "tag" ? object.target : ref;
    return {
      name,
      id: ref,
      message: object?.type === "tag" ? object.message : "",
      commit: { sha, url: commitUrl(ref) },
    };
  };
  if (resource === "branches") {
    if (s.length > 4) {
      const name = s.slice(4).join("/");
      const sha = repo.branches.get(name);
      return sha ? json(200, branchJson(name, sha)) : giteaNotFound(`branch ${name}`);
    }
    const { items, headers } = paginate(req, [...repo.branches.keys()].sort(), "limit", 30, 50);
    return json(
      200,
      items.map((n) => branchJson(n, repo.branches.get(n) ?? "")),
      headers,
    );
  }
  if (resource === "tags") {
    if (s.length > 4) {
      const name = s.slice(4).join("/");
      return repo.tags.has(name) ? json(200, tagJson(name)) : giteaNotFound(`tag ${name}`);
    }
    // Gitea's ListTags: newest first (git for-each-ref --sort=-*creatordate), `limit` capped at
    // MAX_RESPONSE_ITEMS (50), and only X-Total-Count: no Link header (routers/api/v1/repo/tag.go).
    const created = (n: string) => repo.tagCreated.get(n) ?? 0;
    const names = [...repo.tags.keys()].sort((a, b) => created(b) - created(a) || byNameDesc(a, b));
    const { items, headers } = paginate(req, names, "limit", 30, 50);
    return json(200, items.map(tagJson), { "x-total-count": headers["x-total-count"] as string });
  }
  if (resource === "git" && s[4] === "tags" && s.length === 6) {
    // GetAnnotatedTag: the tag object, with `object` = the commit it peels to (git's getCommit follows the
    // whole chain). Any failure (not a tag object, a chain ending at a tree or blob) is a 400, as in Gitea.
    const sha = (s[5] as string).toLowerCase();
    const object = repo.objects.get(sha);
    const commit = object?.type === "tag" ? ctx.world.peel(repo, sha) : undefined;
    if (object?.type !== "tag" || !commit)
      return json(400, { message: `GetAnnotatedTag: object ${sha} is not an annotated tag of a commit` });
    return json(200, {
      tag: object.name,
      sha,
      url: `${req.base}/repos/${repo.owner}/${repo.name}/git/tags/${sha}`,
      message: object.message,
      tagger: { name: "Sim Tagger", email: "tagger@example.com", date: object.date },
      object: { type: "commit", sha: commit, url: commitUrl(commit) },
      verification: verificationOf(object.signature, true),
    });
  }
  const commitJson = (sha: string) => ({
    sha,
    url: commitUrl(sha),
    created: commitDetail(repo, sha, true).committer.date,
    commit: commitDetail(repo, sha, true),
  });
  const review = giteaReviewRest(ctx, req, repo);
  if (review) return review;
  if (resource === "git" && s[4] === "commits" && s.length === 6) {
    const object = ctx.world.revParse(repo, s[5] as string);
    const sha = object ? ctx.world.peel(repo, object) : undefined;
    return sha ? json(200, commitJson(sha)) : giteaNotFound(`commit ${s[5]}`);
  }
  if (resource === "commits" && s.length === 4) {
    const rev = req.query.get("sha") || repo.defaultBranch;
    const object = ctx.world.revParse(repo, rev);
    const sha = object ? ctx.world.peel(repo, object) : undefined;
    return sha ? json(200, [commitJson(sha)], { "x-total-count": "1" }) : giteaNotFound(`commit ${rev}`);
  }
  return giteaNotFound("route");
}
