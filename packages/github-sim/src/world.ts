// size: the simulated host's whole git model (repositories, refs, objects, releases, compare) and its change events.
import { createHash } from "node:crypto";
import { compareRevisions } from "./world-compare";
import type { CommitOptions, Comparison, SimRelease, SimRepo, TagOptions, WorldChange } from "./world-types";

export type {
  CommitOptions,
  Comparison,
  SimObject,
  SimRelease,
  SimRepo,
  TagOptions,
  WorldChange,
} from "./world-types";

const keyOf = (fullName: string): string => fullName.toLowerCase();

function splitFullName(fullName: string): [string, string] {
  const [owner, name, ...rest] = fullName.split("/");
  if (!owner || !name || rest.length > 0)
    throw new Error(`expected OWNER/NAME, got ${JSON.stringify(fullName)}`);
  return [owner, name];
}

/**
 * The mutable state of a simulated GitHub/Gitea host: repositories, branches, lightweight and annotated tags,
 * commits. SHAs are realistic 40-hex strings (SHA-1 of a unique label), so they look and sort like git's.
 */
export class World {
  private readonly repos = new Map<string, SimRepo>();
  /** old full name (lower case) → current full name, like GitHub's rename redirects */
  private readonly renames = new Map<string, string>();
  private seq = 0;
  private nextId = 1;
  private readonly listeners = new Set<(change: WorldChange) => void>();

  /** Calls `listener` after every branch, tag or release change (the webhook sender uses it); returns an unsubscribe. */
  onChange(listener: (change: WorldChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: WorldChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private setRef(repo: SimRepo, kind: "branch" | "tag", name: string, after: string | null): void {
    const refs = kind === "branch" ? repo.branches : repo.tags;
    const before = refs.get(name) ?? null;
    if (after === null) refs.delete(name);
    else refs.set(name, after);
    if (before !== after) this.emit({ kind, repo, name, before, after });
  }

  /** A fresh SHA-1 hex string, unique within this world. */
  newSha(label = "object"): string {
    this.seq += 1;
    return createHash("sha1").update(`${label}\0${this.seq}`).digest("hex");
  }

  /** Creates a repository with one commit on its default branch; returns it. Throws if it exists. */
  createRepo(fullName: string, options: { defaultBranch?: string } = {}): SimRepo {
    const [owner, name] = splitFullName(fullName);
    if (this.repos.has(keyOf(fullName))) throw new Error(`repository ${fullName} exists`);
    const defaultBranch = options.defaultBranch ?? "main";
    const repo: SimRepo = {
      id: this.nextId++,
      owner,
      name,
      defaultBranch,
      branches: new Map(),
      tags: new Map(),
      tagCreated: new Map(),
      objects: new Map(),
      releases: new Map(),
    };
    this.repos.set(keyOf(fullName), repo);
    this.renames.delete(keyOf(fullName));
    const sha = this.addCommit(repo, "initial commit", []);
    repo.branches.set(defaultBranch, sha);
    return repo;
  }

  /** Looks a repository up by OWNER/NAME (case-insensitive), following renames unless told not to. */
  findRepo(fullName: string, followRenames = true): SimRepo | undefined {
    const direct = this.repos.get(keyOf(fullName));
    if (direct || !followRenames) return direct;
    const renamed = this.renames.get(keyOf(fullName));
    return renamed ? this.repos.get(keyOf(renamed)) : undefined;
  }

  /** The current full name when `fullName` was renamed, else undefined. */
  renamedTo(fullName: string): string | undefined {
    return this.repos.has(keyOf(fullName)) ? undefined : this.renames.get(keyOf(fullName));
  }

  /** Like {@link findRepo} but throws: for test set-up code. */
  repo(fullName: string): SimRepo {
    const repo = this.findRepo(fullName);
    if (!repo) throw new Error(`no repository ${fullName}`);
    return repo;
  }

  listRepos(): SimRepo[] {
    return [...this.repos.values()];
  }

  /** Adds a commit on top of `branch` (default: the default branch; created if missing) and returns its SHA. */
  commit(fullName: string, branch?: string, message = "change", options: CommitOptions = {}): string {
    const repo = this.repo(fullName);
    const name = branch ?? repo.defaultBranch;
    const parent = options.orphan ? undefined : repo.branches.get(name);
    const sha = this.addCommit(repo, message, parent ? [parent] : [], options.signature, options.date);
    this.setRef(repo, "branch", name, sha);
    return sha;
  }

  /** Publishes (or replaces) the release of an existing tag; `immutable` locks the tag to its commit for good. */
  release(
    fullName: string,
    tag: string,
    options: {
      name?: string;
      body?: string;
      prerelease?: boolean;
      draft?: boolean;
      immutable?: boolean;
    } = {},
  ): SimRelease {
    const repo = this.repo(fullName);
    if (!repo.tags.has(tag)) throw new Error(`no tag ${tag} in ${fullName}`);
    this.refuseImmutable(repo, tag);
    this.seq += 1;
    const release: SimRelease = {
      id: this.seq,
      tag,
      name: options.name ?? tag,
      body: options.body ?? "",
      prerelease: options.prerelease ?? false,
      draft: options.draft ?? false,
      publishedAt: options.draft ? null : this.dateOf(this.seq),
      immutable: options.immutable === true && !options.draft,
    };
    repo.releases.set(tag, release);
    // Announced like GitHub's `release` event (the webhook sender listens).
    this.emit({ kind: "release", repo, tag });
    return release;
  }

  /**
   * Edits an existing (mutable) release to stand for another existing tag, keeping its id and `published_at`, as
   * GitHub's "edit release" allows: the old publication date then names a new commit.
   */
  repointRelease(fullName: string, fromTag: string, toTag: string): SimRelease {
    const repo = this.repo(fullName);
    const old = repo.releases.get(fromTag);
    if (!old) throw new Error(`no release of ${fromTag} in ${fullName}`);
    if (!repo.tags.has(toTag)) throw new Error(`no tag ${toTag} in ${fullName}`);
    this.refuseImmutable(repo, fromTag);
    const moved: SimRelease = { ...old, tag: toTag, name: old.name === fromTag ? toTag : old.name };
    repo.releases.delete(fromTag);
    repo.releases.set(toTag, moved);
    this.emit({ kind: "release", repo, tag: toTag });
    return moved;
  }

  /** GitHub refuses to move, delete or re-release the tag of an immutable release. */
  private refuseImmutable(repo: SimRepo, tag: string): void {
    if (repo.releases.get(tag)?.immutable)
      throw new Error(`tag ${tag} of ${repo.owner}/${repo.name} belongs to an immutable release`);
  }

  /**
   * Compares two commits (any revision) like the hosts' compare endpoints; undefined when either is unknown or
   * the histories share no commit.
   */
  compare(repo: SimRepo, base: string, head: string): Comparison | undefined {
    const commitAt = (rev: string) => {
      const object = this.revParse(repo, rev);
      return object ? this.peel(repo, object) : undefined;
    };
    return compareRevisions(repo, commitAt, base, head);
  }

  /** Creates or resets a branch to a commit (default: the default branch head). */
  setBranch(fullName: string, branch: string, target?: string): string {
    const repo = this.repo(fullName);
    const sha = this.commitOf(repo, target ?? repo.defaultBranch);
    this.setRef(repo, "branch", branch, sha);
    return sha;
  }

  deleteBranch(fullName: string, branch: string): void {
    this.setRef(this.repo(fullName), "branch", branch, null);
  }

  /**
   * Creates (or force-moves) a tag. Returns the SHA the ref points at (`ref`: a tag object for annotated tags)
   * and the commit it peels to (`commit`; for a tag of a tree or blob, that object's SHA).
   */
  tag(fullName: string, name: string, options: TagOptions = {}): { ref: string; commit: string } {
    const repo = this.repo(fullName);
    this.refuseImmutable(repo, name);
    let commit: string;
    if (options.points) {
      commit = this.newSha(`${options.points} ${name}`);
      repo.objects.set(commit, { type: options.points, sha: commit });
    } else {
      commit = this.commitOf(repo, options.target ?? repo.defaultBranch);
    }
    let ref = commit;
    if (options.annotated || options.points || (options.nesting ?? 0) > 0) {
      const levels = 1 + Math.max(0, options.nesting ?? 0);
      for (let i = 0; i < levels; i++) {
        const sha = this.newSha(`tag ${name}`);
        repo.objects.set(sha, {
          type: "tag",
          sha,
          name,
          target: ref,
          message: `tag ${name}`,
          date: options.date ?? this.dateOf(this.seq),
          ...(options.signature && i === levels - 1 ? { signature: options.signature } : {}),
        });
        ref = sha;
      }
    }
    this.seq += 1;
    repo.tagCreated.set(name, this.seq);
    this.setRef(repo, "tag", name, ref);
    return { ref, commit };
  }

  /** Force-moves an existing tag to another commit, keeping its kind (annotated or not). */
  moveTag(fullName: string, name: string, target: string): { ref: string; commit: string } {
    const repo = this.repo(fullName);
    const current = repo.tags.get(name);
    if (current === undefined) throw new Error(`no tag ${name} in ${fullName}`);
    return this.tag(fullName, name, { target, annotated: repo.objects.get(current)?.type === "tag" });
  }

  deleteTag(fullName: string, name: string): void {
    const repo = this.repo(fullName);
    this.refuseImmutable(repo, name);
    repo.tagCreated.delete(name);
    this.setRef(repo, "tag", name, null);
  }

  deleteRepo(fullName: string): void {
    const repo = this.findRepo(fullName, false);
    if (!repo) throw new Error(`no repository ${fullName}`);
    this.repos.delete(keyOf(fullName));
  }

  /** Renames a repository; the old name keeps resolving (GraphQL followRenames, REST 301) like on GitHub. */
  renameRepo(fullName: string, newFullName: string): void {
    const repo = this.repo(fullName);
    const [owner, name] = splitFullName(newFullName);
    this.repos.delete(keyOf(fullName));
    repo.owner = owner;
    repo.name = name;
    this.repos.set(keyOf(newFullName), repo);
    this.renames.set(keyOf(fullName), newFullName);
  }

  /** Follows tag objects until a commit; undefined for unknown objects and for tags of trees or blobs. */
  peel(repo: SimRepo, sha: string): string | undefined {
    let current = sha;
    for (let i = 0; i < 100; i++) {
      const object = repo.objects.get(current);
      if (!object) return undefined;
      if (object.type === "commit") return object.sha;
      if (object.type !== "tag") return undefined;
      current = object.target;
    }
    return undefined;
  }

  /**
   * Resolves a git revision the way the hosts do for `commits/{ref}`: a full or abbreviated commit SHA,
   * `heads/X`, `tags/X`, `refs/heads/X`, `refs/tags/X`, or a bare name (branch first, then tag).
   * Returns the object SHA (not peeled), or undefined.
   */
  revParse(repo: SimRepo, rev: string): string | undefined {
    const stripped = rev.startsWith("refs/") ? rev.slice(5) : rev;
    if (stripped.startsWith("heads/")) return repo.branches.get(stripped.slice(6));
    if (stripped.startsWith("tags/")) return repo.tags.get(stripped.slice(5));
    const named = repo.branches.get(rev) ?? repo.tags.get(rev);
    if (named) return named;
    if (/^[0-9a-f]{7,40}$/i.test(rev)) {
      const lower = rev.toLowerCase();
      if (repo.objects.has(lower)) return lower;
      const matches = [...repo.objects.keys()].filter((sha) => sha.startsWith(lower));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  private addCommit(
    repo: SimRepo,
    message: string,
    parents: readonly string[],
    signature?: "valid" | "invalid",
    date?: string,
  ): string {
    const sha = this.newSha(`commit ${repo.owner}/${repo.name} ${message}`);
    repo.objects.set(sha, {
      type: "commit",
      sha,
      message,
      date: date ?? this.dateOf(this.seq),
      parents,
      ...(signature ? { signature } : {}),
    });
    return sha;
  }

  /** Dates advance one second per world event, so they order like the events. */
  private dateOf(seq: number): string {
    return new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString();
  }

  /** A commit SHA from a SHA, branch or tag name (tags peeled). */
  private commitOf(repo: SimRepo, target: string): string {
    const object = this.revParse(repo, target);
    const commit = object ? this.peel(repo, object) : undefined;
    if (!commit) throw new Error(`cannot resolve ${JSON.stringify(target)} in ${repo.owner}/${repo.name}`);
    return commit;
  }
}
