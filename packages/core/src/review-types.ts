import type { Target } from "./target";
import type { ResolveUsage } from "./usage";

/** Types of the review packet shared by the resolver port and the review step (a leaf: no cycles). */

/** The host's verdict on a commit signature: `unsigned` when the host says the commit carries none. */
export type Signature = "valid" | "invalid" | "unsigned";

/** The release published for the new tag. `notes` is plain text (never rendered as HTML), at most 2,000 chars. */
export interface ReleaseInfo {
  readonly tag: string;
  readonly name: string | null;
  readonly url: string | null;
  readonly published_at: string | null;
  readonly prerelease: boolean;
  readonly notes: string | null;
  /**
   * The host locks the release's tag to its commit (GitHub's immutable releases, REST field `immutable`): true,
   * false, or null when the host does not say (Gitea/Forgejo, packets from before).
   */
  readonly immutable?: boolean | null;
}

/** What the host says about the new commit of a drift (target, latest_sha). */
export interface CommitReview {
  /** Web page of the repository on its host. */
  readonly repoUrl: string | null;
  readonly committedAt: string | null;
  readonly signature: Signature | null;
  readonly release: ReleaseInfo | null;
  /**
   * The annotated tag's signature (CONTRACT "trust": a valid one makes the version `signed`); null or absent: no
   * annotated tag, or not looked up (not needed when the commit's signature is valid or the release immutable).
   */
  readonly tagSignature?: Signature | null;
}

/** How the installed commit relates to the new one (target, current_sha → latest_sha). */
export interface CompareReview {
  /** Commits in latest that are not in current; null when unknown or the histories are unrelated. */
  readonly commitsAhead: number | null;
  /** false: the histories share no commit; null: unknown. */
  readonly related: boolean | null;
}

/** A lookup's result: a value, or why not (deferred: not attempted, the rate budget said wait). */
export type Fetched<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string; readonly deferred?: boolean };

/** One drift to review: its new commit (when still wanted) and the installed commits to compare against. */
export interface ReviewRequest {
  readonly target: Target;
  readonly latestSha: string;
  /** The tag whose release is looked up (the resolved tag, or the tracked tag name); null: none. */
  readonly releaseTag: string | null;
  /**
   * The annotated tag object the target resolved to for this commit (null: a lightweight tag; absent: no tag, or
   * the resolution did not say), and its signature when the resolution already read it.
   */
  readonly tagObject?: string | null;
  readonly tagSignature?: Signature;
  readonly commit: boolean;
  readonly currents: readonly string[];
}

export interface ReviewAnswer {
  readonly commit?: Fetched<CommitReview>;
  /** current SHA → comparison */
  readonly compares: ReadonlyMap<string, Fetched<CompareReview>>;
}

/** Fetches review packets from the hosts (batched, inside the rate budget); a resolver may offer it. */
export type ReviewFetch = (
  requests: readonly ReviewRequest[],
  signal?: AbortSignal,
  /** Counts the requests and points this call sends (the resolver's ResolveUsage), for the message's metrics. */
  usage?: ResolveUsage,
) => Promise<Map<string, ReviewAnswer>>;
