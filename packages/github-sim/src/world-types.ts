/** Types of the simulated world: objects, repositories, releases, commit options, comparisons. */

/** A git object the simulated host stores: commits, and annotated tag objects (which have their own SHA). */
export type SimObject =
  | {
      readonly type: "commit";
      readonly sha: string;
      readonly message: string;
      /** Committer date, ISO 8601. */
      readonly date: string;
      /** Parent commits (none for a root commit: an orphan starts an unrelated history). */
      readonly parents: readonly string[];
      /** What the host says of the commit's signature; undefined: the commit carries none. */
      readonly signature?: "valid" | "invalid";
    }
  | {
      readonly type: "tag";
      readonly sha: string;
      readonly name: string;
      /** SHA of the tagged object: a commit, or another tag object (tag of a tag). */
      readonly target: string;
      readonly message: string;
      /** Tagger date, ISO 8601. */
      readonly date: string;
      /** What the host says of the tag object's signature (REST `git/tags/{sha}` `verification`); undefined: none. */
      readonly signature?: "valid" | "invalid";
    }
  /** A tree or blob: only reachable through a tag (a tag of a tree is legal git, but no commit). */
  | { readonly type: "tree" | "blob"; readonly sha: string };

/** One repository of the simulated world. Mutate it through {@link World}'s helpers. */
export interface SimRepo {
  readonly id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  /** branch name → commit SHA */
  readonly branches: Map<string, string>;
  /** tag name → object SHA (a commit for lightweight tags, a tag object for annotated ones) */
  readonly tags: Map<string, string>;
  /** tag name → when it was (re)created, as a world-wide sequence number (Gitea lists newest first) */
  readonly tagCreated: Map<string, number>;
  readonly objects: Map<string, SimObject>;
  /** tag name → its GitHub/Gitea release */
  readonly releases: Map<string, SimRelease>;
}

/** A release of a tag, as GitHub and Gitea publish them. */
export interface SimRelease {
  readonly id: number;
  readonly tag: string;
  readonly name: string;
  /** The notes (Markdown as the author wrote it: may hold anything, HTML included). */
  readonly body: string;
  readonly prerelease: boolean;
  readonly draft: boolean;
  /** ISO 8601; null for drafts. */
  readonly publishedAt: string | null;
  /**
   * GitHub's immutable release: its tag can no longer be moved or deleted (the world refuses, as GitHub does).
   * Answered as REST `immutable` on GitHub (GraphQL's published schema has no such field); Gitea says nothing.
   */
  readonly immutable: boolean;
}

/** Options for {@link World.commit}. */
export interface CommitOptions {
  /** The host's verdict on the commit's signature; absent: unsigned. */
  readonly signature?: "valid" | "invalid";
  /** Start an unrelated history (a root commit without parents). */
  readonly orphan?: boolean;
  /** The committer date the author writes (ISO 8601), e.g. backdated two years; default: the world's clock. */
  readonly date?: string;
}

/** How two commits relate, as a host's compare answers. */
export interface Comparison {
  readonly status: "ahead" | "behind" | "diverged" | "identical";
  /** Commits in head that are not in base. */
  readonly aheadBy: number;
  readonly behindBy: number;
}

/** Options for `World.tag`. */
export interface TagOptions {
  /** Commit SHA, branch name, or tag name the tag points at; default: the default branch head. */
  readonly target?: string;
  /** Create an annotated tag (a tag object with its own SHA). */
  readonly annotated?: boolean;
  /** For annotated tags: wrap the tag object in this many further tag objects (tag of a tag). Default 0. */
  readonly nesting?: number;
  /** Tag a fresh tree or blob instead of a commit (always annotated; `target` is ignored). */
  readonly points?: "tree" | "blob";
  /** For annotated tags: the tagger date the author writes (ISO 8601); default: the world's clock. */
  readonly date?: string;
  /** For annotated tags: the host's verdict on the (outermost) tag object's signature; absent: unsigned. */
  readonly signature?: "valid" | "invalid";
}

/** A change to a repository's refs, as a host would announce it by webhook (null: the ref did not / no longer exists). */
export type WorldChange =
  | {
      readonly kind: "branch" | "tag";
      readonly repo: SimRepo;
      readonly name: string;
      readonly before: string | null;
      readonly after: string | null;
    }
  | { readonly kind: "release"; readonly repo: SimRepo; readonly tag: string };
