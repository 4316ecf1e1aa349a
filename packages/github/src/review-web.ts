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
