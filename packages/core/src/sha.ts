import { invalid, ok, type Parsed, preview, skipped } from "./parse-result";

/** A valid commit id is 7 to 64 hex characters (abbreviated SHA-1 up to full SHA-256). */
export const SHA_PATTERN = /^[0-9a-fA-F]{7,64}$/;

/** A full commit id: 40 (SHA-1) or 64 (SHA-256) hex characters, the only value an apply may install. */
export const isFullCommitSha = (value: string): boolean => /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(value);

/** Parses `installed_sha`: NULL or '' is unknown (skipped); anything but 7–64 hex is invalid. Lower-cases. */
export function parseInstalledSha(raw: string | null | undefined): Parsed<string> {
  if (raw == null || raw === "") return skipped("installed commit unknown");
  if (!SHA_PATTERN.test(raw))
    return invalid(`installed_sha ${JSON.stringify(preview(raw, 70))} is not 7 to 64 hex characters`);
  return ok(raw.toLowerCase());
}

/**
 * True when two commit ids name the same commit: equal ignoring case, or one (abbreviated) prefixes the other.
 * Mirrors the SQL in packages/db (see `sha_matches`), which is what decides drift in the database.
 */
export function shaMatches(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length <= y.length ? y.startsWith(x) : x.startsWith(y);
}
