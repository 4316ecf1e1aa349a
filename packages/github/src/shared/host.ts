import type { ListedCommitTag, Log, Resolution, Signature, Target } from "@drift/core";
import type { RateBudget } from "./budget";
import type { Settings } from "./config";
import { type Failure, failure } from "./errors";
import type { ResolverOctokitClient } from "./http";
import type { Limiter } from "./limit";
import type { Redactor } from "./redact";

/** Everything an engine needs to talk to one host. */
export interface HostEnv {
  readonly client: ResolverOctokitClient;
  /** The bucket this engine spends (GraphQL points, or REST requests). */
  readonly budget: RateBudget;
  readonly limiter: Limiter;
  readonly redact: Redactor;
  readonly log: Log;
  readonly settings: Settings;
  /** GraphQL points an answer says it cost, for the call whose signal sent it. */
  readonly onPoints: (points: number, signal?: AbortSignal) => void;
  /**
   * The client has no retry plugin: its callers repeat plain 5xx answers themselves (review packets' REST; the
   * plugin schedules every request through a Bottleneck of its own, which cost a first sweep's 100 comparisons
   * about 80 ms of a busy event loop).
   */
  readonly repeatsItself?: boolean;
}

/** A host-wide stop (rate limit, bad credentials): later requests fail the same way without being sent. */
export class HostGate {
  private rateLimit?: Failure;
  private forCall?: { failure: Failure; call: object };

  /** The failure every further request gets, if the host said stop. */
  check(call: object): Failure | undefined {
    if (this.rateLimit?.retryAt && this.rateLimit.retryAt.getTime() <= Date.now()) this.rateLimit = undefined;
    if (this.rateLimit) return this.rateLimit;
    return this.forCall?.call === call ? this.forCall.failure : undefined;
  }

  /**
   * Rate limits hold until their retryAt, across calls. Anything else (401: credentials may be rotated) holds for
   * the current call only.
   */
  close(f: Failure, call: object): void {
    if (f.kind === "rate_limited" && f.retryAt) this.rateLimit = f;
    else this.forCall = { failure: f, call };
  }
}

export const deferred = (why: string): Failure => failure("deferred", why);

export const budgetDeferral = (reserve: number): Failure =>
  deferred(`rate budget reserve (${reserve}) reached: left for the next sweep`);

/** The call's signal fired (the worker's deadline) before this lookup: another look shortly is worth it. */
export const abortDeferral = (): Failure => ({
  ...deferred("the sweep was stopped before this lookup"),
  timedOut: true,
});

export const label = (t: Pick<Target, "owner" | "repo">): string => `${t.owner}/${t.repo}`;

export const resolved = (
  sha: string,
  extra: {
    tag?: string;
    etag?: string;
    tags?: readonly ListedCommitTag[];
    tagObject?: string | null;
    taggedAt?: string;
    tagSignature?: Signature;
  } = {},
): Resolution => ({
  status: "resolved",
  sha: sha.toLowerCase(),
  ...(extra.tag !== undefined ? { tag: extra.tag } : {}),
  ...(extra.etag ? { etag: extra.etag } : {}),
  ...(extra.tags ? { tags: extra.tags } : {}),
  ...(extra.tagObject !== undefined ? { tagObject: extra.tagObject?.toLowerCase() ?? null } : {}),
  ...(extra.taggedAt ? { taggedAt: extra.taggedAt } : {}),
  ...(extra.tagSignature ? { tagSignature: extra.tagSignature } : {}),
});

/** The tag object fields of a resolution, to pass on to another (a peel's answer to the tag it peeled). */
export function tagObjectOf(r: Resolution): {
  tagObject?: string | null;
  taggedAt?: string;
  tagSignature?: Signature;
} {
  if (r.status !== "resolved") return {};
  return {
    ...(r.tagObject !== undefined ? { tagObject: r.tagObject } : {}),
    ...(r.taggedAt ? { taggedAt: r.taggedAt } : {}),
    ...(r.tagSignature ? { tagSignature: r.tagSignature } : {}),
  };
}

/** A full commit id (SHA-1 or SHA-256). */
export const FULL_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;
