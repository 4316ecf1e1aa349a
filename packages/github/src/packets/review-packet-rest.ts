import type { CommitReview, CompareReview, Fetched, ReleaseInfo, Signature } from "@drift/core";
import { classifyError } from "../shared/errors";
import type { HostEnv } from "../shared/host";
import { repeating } from "../shared/repeat";
import { signatureOf } from "../shared/signature";
import { callTimeouts, timedOutTwice, withTimeoutRetry } from "../shared/timeouts";
import { notesOf } from "./review-packet-query";

/**
 * Review packets over REST: GitHub (when GraphQL is off, and for comparisons) and Gitea/Forgejo. The two hosts
 * share the commit JSON (`commit.committer.date`, `commit.verification`) and the release JSON; they differ in the
 * commit path and in what compare calls the number of new commits.
 */

export type Flavour = "github" | "gitea";

type Got =
  | { readonly ok: true; readonly data: unknown }
  | {
      readonly ok: false;
      readonly error: string;
      readonly status?: number;
      readonly deferred?: boolean;
      /** What the host said (redacted, short): tells "no common ancestor" from another 404. */
      readonly said?: string;
      /** Our request timeout (not the deadline): worth one more try. */
      readonly timedOut?: boolean;
    };

const encodePath = (name: string) => name.split("/").map(encodeURIComponent).join("/");

/**
 * One GET through the host's concurrency slot and rate budget, sent once more after a timeout, and not at all to
 * a repository that timed out twice in the call (shared/timeouts.ts); a plain 5xx is repeated here when the
 * client does not repeat it itself (`repeatsItself`). Never throws.
 */
function get(env: HostEnv, path: string, what: string, signal?: AbortSignal): Promise<Got> {
  const once = () =>
    withTimeoutRetry<Got>(
      callTimeouts(signal),
      path,
      () => getOnce(env, path, what, signal),
      (got) => !got.ok && got.timedOut === true,
      () => ({ ok: false, error: timedOutTwice(what).message }),
    );
  return env.repeatsItself ? repeating(once, serverError, env.settings, signal) : once();
}

/** A 5xx answer (or a network error, which Octokit reports as 500) that another try may get past. */
const serverError = (got: Got) =>
  !got.ok && !got.deferred && !got.timedOut && got.status !== undefined && got.status >= 500;

async function getOnce(env: HostEnv, path: string, what: string, signal?: AbortSignal): Promise<Got> {
  return env.limiter.run(async (): Promise<Got> => {
    if (signal?.aborted) return { ok: false, error: "the sweep was stopped", deferred: true };
    if (!env.budget.tryReserve(1))
      return { ok: false, error: `rate budget reserve (${env.budget.reserve}) reached`, deferred: true };
    try {
      const response = await env.client.request(`GET ${path}`, { request: { signal } });
      return { ok: true, data: response.data };
    } catch (error) {
      const c = classifyError(error, what, env.redact);
      const said = env.redact.text(String((error as { message?: unknown })?.message ?? "")).slice(0, 200);
      return {
        ok: false,
        error: c.failure.message,
        said,
        ...(c.status !== undefined ? { status: c.status } : {}),
        ...(c.timedOut ? { timedOut: true } : {}),
      };
    } finally {
      env.budget.release(1);
    }
  });
}

const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

function releaseOf(data: unknown, tag: string): ReleaseInfo | null {
  const r = data as Record<string, unknown> | null | undefined;
  if (!r || r.draft === true) return null;
  return {
    tag: text(r.tag_name) ?? tag,
    name: text(r.name),
    url: text(r.html_url),
    published_at: text(r.published_at),
    prerelease: r.prerelease === true,
    notes: notesOf(r.body),
    immutable: typeof r.immutable === "boolean" ? r.immutable : null,
  };
}

/**
 * The release of a tag over REST (null: none, or a draft), for what GraphQL cannot say: GitHub's published
 * GraphQL schema has no `immutable` field, its REST release object has.
 */
export async function restRelease(
  env: HostEnv,
  repo: { owner: string; name: string },
  tag: string,
  signal?: AbortSignal,
): Promise<Fetched<ReleaseInfo | null>> {
  const base = `/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  const got = await get(env, `${base}/releases/tags/${encodePath(tag)}`, `release ${tag}`, signal);
  if (got.ok) return { ok: true, value: releaseOf(got.data, tag) };
  if (got.status === 404) return { ok: true, value: null };
  return { ok: false, error: got.error, ...(got.deferred ? { deferred: true } : {}) };
}

/**
 * An annotated tag object's signature (`git/tags/{sha}` `verification`, GitHub and Gitea alike): GitHub's
 * published GraphQL schema has no `Tag.signature`. Null when the host does not say (or no longer has the object).
 */
export async function restTagSignature(
  env: HostEnv,
  repo: { owner: string; name: string },
  tagObject: string,
  signal?: AbortSignal,
): Promise<Fetched<Signature | null>> {
  const base = `/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  const got = await get(env, `${base}/git/tags/${tagObject}`, `tag object ${tagObject}`, signal);
  if (got.ok) return { ok: true, value: signatureOf((got.data as { verification?: unknown })?.verification) };
  if (got.status === 404) return { ok: true, value: null };
  return { ok: false, error: got.error, ...(got.deferred ? { deferred: true } : {}) };
}

/** The new commit's date and signature, and the release of its tag (404: there is none). */
export async function restCommitReview(
  env: HostEnv,
  flavour: Flavour,
  repo: { owner: string; name: string; url: string },
  sha: string,
  releaseTag: string | null,
  signal?: AbortSignal,
): Promise<Fetched<CommitReview>> {
  const base = `/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  const path =
    flavour === "github"
      ? `${base}/commits/${sha}`
      : `${base}/git/commits/${sha}?stat=false&verification=true&files=false`;
  const [commit, release] = await Promise.all([
    get(env, path, `commit ${sha} of ${repo.owner}/${repo.name}`, signal),
    releaseTag === null
      ? Promise.resolve<Got>({ ok: false, error: "no tag", status: 404 })
      : get(env, `${base}/releases/tags/${encodePath(releaseTag)}`, `release ${releaseTag}`, signal),
  ]);
  const fail = (g: Got & { ok: false }) => ({
    ok: false as const,
    error: g.error,
    ...(g.deferred ? { deferred: true } : {}),
  });
  if (!commit.ok) return fail(commit);
  if (!release.ok && release.status !== 404) return fail(release);
  const detail = (commit.data as { commit?: { committer?: { date?: unknown }; verification?: unknown } })
    ?.commit;
  const committedAt = text(detail?.committer?.date);
  if (!committedAt) return { ok: false, error: `commit ${sha}: unexpected answer` };
  return {
    ok: true,
    value: {
      repoUrl: repo.url,
      committedAt,
      signature: signatureOf(detail?.verification),
      release: release.ok && releaseTag !== null ? releaseOf(release.data, releaseTag) : null,
    },
  };
}

/**
 * How many commits the new commit is ahead of the installed one. GitHub answers 404 "No common ancestor" for
 * unrelated histories; any other 404 (a commit the host does not have) leaves both unknown.
 */
export async function restCompareReview(
  env: HostEnv,
  flavour: Flavour,
  repo: { owner: string; name: string },
  current: string,
  latest: string,
  signal?: AbortSignal,
): Promise<Fetched<CompareReview>> {
  const base = `/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  const page = flavour === "github" ? "?per_page=1" : "";
  const got = await get(
    env,
    `${base}/compare/${current}...${latest}${page}`,
    `compare of ${repo.name}`,
    signal,
  );
  if (!got.ok) {
    if (got.status !== 404)
      return { ok: false, error: got.error, ...(got.deferred ? { deferred: true } : {}) };
    const unrelated = /no common ancestor|no merge base/i.test(got.said ?? "");
    return { ok: true, value: { commitsAhead: null, related: unrelated ? false : null } };
  }
  const data = got.data as { ahead_by?: unknown; total_commits?: unknown };
  const ahead = flavour === "github" ? data?.ahead_by : data?.total_commits;
  if (typeof ahead !== "number" || !Number.isInteger(ahead) || ahead < 0)
    return { ok: false, error: `compare of ${repo.name}: unexpected answer` };
  return { ok: true, value: { commitsAhead: ahead, related: true } };
}
