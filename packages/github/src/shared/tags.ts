import semver from "semver";

/** A tag as listed by the host, with whatever the listing told us about its commit. */
export interface ListedTag<T> {
  readonly name: string;
  readonly target: T;
}

/** The semantic version a tag name stands for (`v1.2.3`, `V1.2.3` and `1.2.3`), or null for other names. */
export function tagVersion(name: string): semver.SemVer | null {
  const bare = /^[vV]\d/.test(name) ? name.slice(1) : name;
  return semver.parse(bare, { loose: false });
}

function pick<T>(
  tags: readonly ListedTag<T>[],
  accept: (v: semver.SemVer) => boolean,
): ListedTag<T> | undefined {
  let best: { tag: ListedTag<T>; version: semver.SemVer } | undefined;
  for (const tag of tags) {
    const version = tagVersion(tag.name);
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

/** `tag:latest`: the highest stable (non-prerelease) semver tag. */
export function pickLatest<T>(tags: readonly ListedTag<T>[]): ListedTag<T> | undefined {
  return pick(tags, (v) => v.prerelease.length === 0);
}

/**
 * `semver:RANGE`: the highest tag satisfying RANGE, with npm's rules (a prerelease only satisfies a range that
 * names a prerelease of the same major.minor.patch).
 */
export function pickSatisfying<T>(tags: readonly ListedTag<T>[], range: string): ListedTag<T> | undefined {
  return pick(tags, (v) => semver.satisfies(v, range));
}
