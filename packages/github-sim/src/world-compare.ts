import type { Comparison, SimRepo } from "./world-types";

/** A commit and every commit it descends from. */
function ancestors(repo: SimRepo, sha: string): Set<string> {
  const seen = new Set<string>();
  const todo = [sha];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const object = repo.objects.get(next);
    if (seen.has(next) || object?.type !== "commit") continue;
    seen.add(next);
    todo.push(...object.parents);
  }
  return seen;
}

/**
 * Compares two revisions like the hosts' compare endpoints; undefined when either is unknown or the histories
 * share no commit.
 */
export function compareRevisions(
  repo: SimRepo,
  commitAt: (rev: string) => string | undefined,
  base: string,
  head: string,
): Comparison | undefined {
  const [from, to] = [commitAt(base), commitAt(head)];
  if (!from || !to) return undefined;
  const [baseSet, headSet] = [ancestors(repo, from), ancestors(repo, to)];
  if (![...headSet].some((sha) => baseSet.has(sha))) return undefined;
  const aheadBy = [...headSet].filter((sha) => !baseSet.has(sha)).length;
  const behindBy = [...baseSet].filter((sha) => !headSet.has(sha)).length;
  const status =
    aheadBy === 0 && behindBy === 0
      ? "identical"
      : behindBy === 0
        ? "ahead"
        : aheadBy === 0
          ? "behind"
          : "diverged";
  return { status, aheadBy, behindBy };
}
