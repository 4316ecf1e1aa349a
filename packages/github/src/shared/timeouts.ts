import { type Failure, failure } from "./errors";

/**
 * REST and Gitea calls under GraphQL's rule (issue 23): a request that times out (our per-request timeout) is
 * sent once more, and a repository that times out twice in one call gets no further request in it: its lookups
 * fail as the host's transient failure, `timedOut` (re-queued with a short backoff by the worker, core
 * deferral.ts). So a hung repository costs a call at most two timeouts in a row, never one per request; the
 * invocation's deadline (the call's signal) still ends everything sooner.
 */
export class CallTimeouts {
  private readonly counts = new Map<string, number>();

  /** True once `repo` timed out twice in this call: send it nothing more. */
  exhausted(repo: string): boolean {
    return (this.counts.get(repo) ?? 0) >= 2;
  }

  /** Counts a timeout of `repo`; true while one more try is allowed. */
  retryAfterTimeout(repo: string): boolean {
    const n = (this.counts.get(repo) ?? 0) + 1;
    this.counts.set(repo, n);
    return n < 2;
  }
}

/** The failure of a repository that timed out twice in the call. */
export function timedOutTwice(what: string): Failure {
  return {
    ...failure("transient", `${what}: timed out twice: left for the next sweep`),
    scope: "host",
    timedOut: true,
  };
}

const ofSignal = new WeakMap<AbortSignal, CallTimeouts>();

/** The timeouts of the call a signal belongs to (one per resolve or review call); a fresh count without one. */
export function callTimeouts(signal: AbortSignal | undefined): CallTimeouts {
  if (!signal) return new CallTimeouts();
  let found = ofSignal.get(signal);
  if (!found) {
    found = new CallTimeouts();
    ofSignal.set(signal, found);
  }
  return found;
}

/** `/repos/{owner}/{repo}` of a REST path (what the count is kept by), or the path itself. */
export function repositoryOfPath(path: string): string {
  const match = /^\/repos\/[^/]+\/[^/?]+/.exec(path);
  return match ? match[0].toLowerCase() : path;
}

/**
 * Sends through `once` (one attempt; its failure typed), again after a timeout when the repository may still be
 * tried, and never to a repository that timed out twice in the call.
 */
export async function withTimeoutRetry<T extends { ok: boolean }>(
  timeouts: CallTimeouts,
  path: string,
  once: () => Promise<T>,
  isTimeout: (sent: T) => boolean,
  exhausted: () => T,
): Promise<T> {
  const repo = repositoryOfPath(path);
  for (;;) {
    if (timeouts.exhausted(repo)) return exhausted();
    const sent = await once();
    if (sent.ok || !isTimeout(sent)) return sent;
    if (!timeouts.retryAfterTimeout(repo)) return exhausted();
  }
}
