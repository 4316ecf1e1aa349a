import type { ReviewFetch, Signature } from "./review-types";
import type { Target } from "./target";
import type { RateApi, ResolveUsage } from "./usage";

export * from "./usage";

/** Why a target could not be resolved this time. None of these changes a queue row. */
export type FailureKind =
  /** The repository or the ref does not exist (or is not visible). */
  | "not_found"
  /** Credentials lack access (403 that is not a rate limit). */
  | "forbidden"
  /** The host said stop; `retryAt` says when it will listen again. */
  | "rate_limited"
  /** 5xx, timeout, network: worth retrying soon. */
  | "transient"
  /** The request itself can never succeed (e.g. a semver range no tag satisfies is NOT this: that is not_found). */
  | "invalid"
  /** Not attempted: the rate budget reserve was reached; left for the next sweep. */
  | "deferred";

export const FAILURE_KINDS: readonly FailureKind[] = [
  "not_found",
  "forbidden",
  "rate_limited",
  "transient",
  "invalid",
  "deferred",
];

export type Resolution =
  | {
      readonly status: "resolved";
      /** Full commit SHA (lower case); annotated tags are peeled to their commit. */
      readonly sha: string;
      /** For tag:latest / semver: the tag chosen. */
      readonly tag?: string;
      /** REST ETag to send as If-None-Match next time. */
      readonly etag?: string;
      /** For tag:latest / semver: the tag list it was chosen from (name → commit), for the review packet. */
      readonly tags?: readonly ListedCommitTag[];
      /**
       * The tag object of the tag resolved (tag:NAME, the chosen tag of tag:latest / semver:, a ref: that fell back
       * to a tag): its id for an annotated tag, null for a lightweight one, undefined when the answer did not say.
       */
      readonly tagObject?: string | null;
      /** That annotated tag's tagger date (ISO 8601), when the answer carried it: the drift's date for ready_at. */
      readonly taggedAt?: string;
      /**
       * That annotated tag's signature, when the answer carried it (Gitea's `git/tags/{sha}` peel does; GitHub's
       * GraphQL `Tag` has no signature field, so the review packet asks REST for it).
       */
      readonly tagSignature?: Signature;
    }
  | {
      readonly status: "failed";
      readonly kind: FailureKind;
      /** Human-readable, never contains credentials. */
      readonly message: string;
      readonly retryAt?: Date;
      /**
       * `host`: the failure says nothing about this target (e.g. the host rejected our credentials); the target
       * is not backed off, so it is looked up again as soon as the host is fixed.
       */
      readonly scope?: "target" | "host";
      /**
       * Not answered in time: a request timeout, or the invocation's deadline. Worth another look shortly in a
       * fresh invocation (core deferral.ts), not a reason to back the target off.
       */
      readonly timedOut?: boolean;
    };

/** A tag of the repository and the commit it points at (a tag object's own id when it was not peeled). */
export interface ListedCommitTag {
  readonly name: string;
  readonly sha: string;
  /** The annotated tag's own object id, null for a lightweight tag, undefined when the listing did not say. */
  readonly object?: string | null;
}

/** What the sweeper already knows about a target from earlier sweeps (enables REST conditional requests). */
export interface KnownState {
  readonly sha?: string | null;
  readonly tag?: string | null;
  readonly etag?: string | null;
}

export interface ResolveRequest {
  readonly target: Target;
  readonly known?: KnownState;
}

/** Counters a resolver reports for metrics. GitHub keeps GraphQL points and REST requests as separate budgets. */
export interface ResolverStats {
  graphqlRequests: number;
  /** GitHub REST requests (304s included: they are sent, though GitHub does not charge them). */
  restRequests: number;
  /** Gitea/Forgejo requests (absent from older resolvers: count as 0). */
  giteaRequests?: number;
  /** GraphQL points spent, as GitHub's answers said (`rateLimit { cost }`). REST requests are not points. */
  pointsUsed: number;
  notModified: number;
  /** What each GitHub budget has left, as the host last reported it (lowest seen in its window). */
  budgetRemaining?: Partial<Record<RateApi, number>>;
}

/**
 * Port: turns targets into commits. Implementations must look each distinct target up at most once per call,
 * never throw for one target's failure, and return an entry for every requested key.
 */
export interface Resolver {
  resolve(
    requests: readonly ResolveRequest[],
    signal?: AbortSignal,
    usage?: ResolveUsage,
  ): Promise<Map<string, Resolution>>;
  stats(): ResolverStats;
  /** Review packets of drifts, through the same clients and rate budget (counted in stats). Optional. */
  readonly review?: ReviewFetch;
}
