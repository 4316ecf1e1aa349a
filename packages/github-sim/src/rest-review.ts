import { jsonResponse } from "./json-response";
import type { RestContext, RestRequest, SimResponse } from "./rest-types";
import type { SimRelease, SimRepo } from "./world";

/**
 * The REST endpoints of a review packet (commit details with signature verification, the release of a tag, the
 * comparison of two commits), in GitHub's and in Gitea's shapes. Answers undefined for any other route.
 */

/** Web address of a repository beside an API base (`…/api/v1` on Gitea, `…/api/v3` on GHES). */
const webRepo = (req: RestRequest, repo: SimRepo) =>
  `${req.base.replace(/\/api\/v[13]$/, "")}/${repo.owner}/${repo.name}`;

/** `compare/BASE...HEAD`: the two revisions, or undefined when the segment is not of that shape. */
function baseHead(req: RestRequest): [string, string] | undefined {
  const spec = req.segments.slice(4).join("/");
  const at = spec.indexOf("...");
  if (at <= 0 || at + 3 >= spec.length) return undefined;
  return [spec.slice(0, at), spec.slice(at + 3)];
}

function releaseJson(req: RestRequest, repo: SimRepo, r: SimRelease) {
  return {
    id: r.id,
    tag_name: r.tag,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    html_url: `${webRepo(req, repo)}/releases/tag/${encodeURIComponent(r.tag)}`,
    published_at: r.publishedAt,
    created_at: r.publishedAt,
    immutable: r.immutable,
  };
}

/** The `verification` object of a commit or a tag object, as each host words it. */
export function verificationOf(signature: "valid" | "invalid" | undefined, gitea: boolean) {
  const reason = signature === "valid" ? "valid" : signature === "invalid" ? "bad_signature" : "unsigned";
  const giteaReason =
    signature === "valid"
      ? ""
      : signature === "invalid"
        ? "gpg.error.no_gpg_keys_found"
        : "gpg.error.not_signed_commit";
  return {
    verified: signature === "valid",
    reason: gitea ? giteaReason : reason,
    signature: signature ? "-----BEGIN PGP SIGNATURE-----\nsim\n-----END PGP SIGNATURE-----" : null,
    payload: signature ? "tree 0\n" : null,
  };
}

/** The `commit` part both hosts share: committer date and signature verification. */
export function commitDetail(repo: SimRepo, sha: string, gitea: boolean) {
  const object = repo.objects.get(sha);
  const commit = object?.type === "commit" ? object : undefined;
  const when = commit?.date ?? null;
  return {
    message: commit?.message ?? "",
    author: { name: "Sim Author", email: "author@example.com", date: when },
    committer: { name: "Sim Committer", email: "committer@example.com", date: when },
    verification: verificationOf(commit?.signature, gitea),
  };
}

/** GitHub REST: `releases/tags/{tag}`, `git/tags/{sha}` (a tag object, its signature) and `compare/{base}...{head}`. */
export function githubReviewRest(ctx: RestContext, req: RestRequest, repo: SimRepo): SimResponse | undefined {
  const s = req.segments;
  if (s[3] === "git" && s[4] === "tags" && s.length === 6) {
    // GitHub's "get a tag": `object` is the tagged object one level down (a commit, or another tag object).
    const sha = (s[5] as string).toLowerCase();
    const tag = repo.objects.get(sha);
    if (tag?.type !== "tag")
      return jsonResponse(404, {
        message: "Not Found",
        documentation_url: "https://docs.github.com/rest/git/tags#get-a-tag",
        status: "404",
      });
    const base = `${req.base}/repos/${repo.owner}/${repo.name}`;
    const type = repo.objects.get(tag.target)?.type ?? "commit";
    return jsonResponse(200, {
      node_id: `TAG_${sha}`,
      tag: tag.name,
      sha,
      url: `${base}/git/tags/${sha}`,
      message: tag.message,
      tagger: { name: "Sim Tagger", email: "tagger@example.com", date: tag.date },
      object: { type, sha: tag.target, url: `${base}/git/${type}s/${tag.target}` },
      verification: verificationOf(tag.signature, false),
    });
  }
  if (s[3] === "releases" && s[4] === "tags" && s.length > 5) {
    const release = repo.releases.get(s.slice(5).join("/"));
    if (!release || release.draft)
      return jsonResponse(404, {
        message: "Not Found",
        documentation_url: "https://docs.github.com/rest/releases/releases#get-a-release-by-tag-name",
        status: "404",
      });
    return jsonResponse(200, releaseJson(req, repo, release));
  }
  if (s[3] === "compare" && s.length > 4) {
    const pair = baseHead(req);
    const known = pair?.every((rev) => ctx.world.revParse(repo, rev) !== undefined);
    const comparison = pair && known ? ctx.world.compare(repo, pair[0], pair[1]) : undefined;
    if (!pair || !known || !comparison) {
      const message = pair && known ? `No common ancestor between ${pair[0]} and ${pair[1]}.` : "Not Found";
      return jsonResponse(404, {
        message,
        documentation_url: "https://docs.github.com/rest/commits/commits#compare-two-commits",
        status: "404",
      });
    }
    return jsonResponse(200, {
      url: `${req.base}/repos/${repo.owner}/${repo.name}/compare/${pair[0]}...${pair[1]}`,
      html_url: `${webRepo(req, repo)}/compare/${pair[0]}...${pair[1]}`,
      status: comparison.status,
      ahead_by: comparison.aheadBy,
      behind_by: comparison.behindBy,
      total_commits: comparison.aheadBy,
      commits: [],
      files: [],
    });
  }
  return undefined;
}

/** Gitea REST: `releases/tags/{tag}` and `compare/{base}...{head}`. */
export function giteaReviewRest(ctx: RestContext, req: RestRequest, repo: SimRepo): SimResponse | undefined {
  const s = req.segments;
  const notFound = (what: string) =>
    jsonResponse(404, { errors: [`${what} does not exist`], message: "The target couldn't be found." });
  if (s[3] === "releases" && s[4] === "tags" && s.length > 5) {
    const release = repo.releases.get(s.slice(5).join("/"));
    if (!release || release.draft) return notFound("release");
    // Gitea and Forgejo have no immutable releases (yet): their release object has no such field.
    const { immutable: _none, ...json } = releaseJson(req, repo, release);
    return jsonResponse(200, {
      ...json,
      url: `${req.base}/repos/${repo.owner}/${repo.name}/releases/${release.id}`,
    });
  }
  if (s[3] === "compare" && s.length > 4) {
    const pair = baseHead(req);
    const comparison = pair ? ctx.world.compare(repo, pair[0], pair[1]) : undefined;
    if (!comparison) return notFound("merge base");
    return jsonResponse(200, { total_commits: comparison.aheadBy, commits: [] });
  }
  return undefined;
}
