import { versionPartOf } from "@drift/core";
import semver from "semver";

/** A tag as listed by the host, with whatever the listing told us about its commit. */
export interface ListedTag<T> {
  readonly name: string;
  readonly target: T;
}

/**
 * The semantic version a tag name stands for (`v1.2.3`, `V1.2.3` and `1.2.3`), or null for other names. With a
 * prefix (monorepos: `lint@1.2.3`, `plugins/lint/v1.2.3`), only names starting with it count, read after it.
 */
export function tagVersion(name: string, prefix?: string): semver.SemVer | null {
  const rest = versionPartOf(name, prefix);
  if (rest === null) return null;
  const bare = /^[vV]\d/.test(rest) ? rest.slice(1) : rest;
  return semver.parse(bare, { loose: false });
}

function pick<T>(
  tags: readonly ListedTag<T>[],
  accept: (v: semver.SemVer) => boolean,
  prefix: string | undefined,
): ListedTag<T> | undefined {
  let best: { tag: ListedTag<T>; version: semver.SemVer } | undefined;
  for (const tag of tags) {
    const version = tagVersion(tag.name, prefix);
    if (!version || !accept(version)) continue;
    // Equal versions (v1.0.0 and 1.0.0, or differing build metadata): the comparison of build metadata, then
    // of names, makes the choice deterministic whatever order the host listed them in.
    const order = best
      ? semver.compareBuild(version, best.version) || (tag.name > best.tag.name ? 1 : -1)
      : 1;
    if (order > 0) best = { tag, version };
  }
  return best?.tag;
}

/** `tag:latest[:PREFIX]`: the highest stable (non-prerelease) semver tag (of those starting with PREFIX). */
export function pickLatest<T>(tags: readonly ListedTag<T>[], prefix?: string): ListedTag<T> | undefined {
  return pick(tags, (v) => v.prerelease.length === 0, prefix);
}

/**
 * `semver:RANGE`: the highest tag satisfying RANGE, with npm's rules (a prerelease only satisfies a range that
 * names a prerelease of the same major.minor.patch).
 */
export function pickSatisfying<T>(
  tags: readonly ListedTag<T>[],
  range: string,
  prefix?: string,
): ListedTag<T> | undefined {
  return pick(tags, (v) => semver.satisfies(v, range), prefix);
}

/** " starting with PREFIX" for failure messages of prefixed targets. */
export const prefixed = (prefix: string | undefined): string =>
  prefix === undefined ? "" : ` starting with ${JSON.stringify(prefix)}`;
