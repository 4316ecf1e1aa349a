/**
 * Web addresses of repositories for the review packet. github.com's API lives on api.github.com; GHES serves its
 * API under `/api/v3` of the web host; Gitea/Forgejo under `/api/v1`. Any other API base (a test server) serves
 * the web pages beside it.
 */

/** The web base of a GitHub REST API base: `https://api.github.com` → `https://github.com`, GHES `…/api/v3` → `…`. */
export function githubWebBase(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, "");
  try {
    const url = new URL(base);
    if (url.hostname === "api.github.com") return "https://github.com";
  } catch {
    // not a URL: fall through to the path rule
  }
  return base.replace(/\/api\/v3$/, "");
}

/** The web base of a Gitea/Forgejo host: its API base without `/api/v1`, else `https://HOST`. */
export function giteaWebBase(host: string, apiUrl: string | undefined): string {
  if (!apiUrl) return `https://${host}`;
  return apiUrl.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
}

/** The page of one repository. */
export const repoWebUrl = (webBase: string, owner: string, repo: string): string =>
  `${webBase}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;

/** What the page and the CLI call a repository: where it lives and its web page (null when not known). */
export interface RepositoryRef {
  readonly host: string | null;
  readonly owner: string;
  readonly name: string;
  readonly url: string | null;
}

/** Web bases to use when no packet has told us a repository's page yet. */
export interface WebBases {
  /** Web base of github.com or GHES (from GITHUB_API_URL); default https://github.com. */
  readonly github?: string;
  /** Gitea/Forgejo host → web base; default https://HOST. */
  readonly gitea?: Readonly<Record<string, string>>;
}

/**
 * The repository of a queue row: from its `source_raw` (github or gitea), its page from the packet when fetched,
 * else from the configured web base. Null for sources that are not repositories.
 */
export function repositoryOf(
  source: { provider: "github" | "gitea"; host: string; owner: string; repo: string } | null,
  packetUrl: string | null,
  bases: WebBases = {},
): RepositoryRef | null {
  if (!source) return null;
  const base =
    source.provider === "github"
      ? (bases.github ?? "https://github.com")
      : (bases.gitea?.[source.host] ?? `https://${source.host}`);
  const url = packetUrl ?? repoWebUrl(base, source.owner, source.repo);
  let host: string | null = null;
  try {
    host = new URL(url).host;
  } catch {
    host = source.provider === "gitea" ? source.host : null;
  }
  return { host, owner: source.owner, name: source.repo, url };
}

/** The host's page comparing two commits, when the histories are known to be related; else null. */
export function compareUrlOf(
  repo: RepositoryRef | null,
  current: string,
  latest: string,
  related: boolean | null,
): string | null {
  if (!repo?.url || related !== true) return null;
  return `${repo.url}/compare/${encodeURIComponent(current)}...${encodeURIComponent(latest)}`;
}
