import { type FailureKind, isDeadline, type Resolution } from "@drift/core";
import { RequestTimeoutError } from "./http";
import type { Redactor } from "./redact";

/** A failed lookup: the failed variant of core's `Resolution`. */
export type Failure = Extract<Resolution, { status: "failed" }>;

export const failure = (kind: FailureKind, message: string, retryAt?: Date): Failure =>
  retryAt ? { status: "failed", kind, message, retryAt } : { status: "failed", kind, message };

/** How a thrown request error should be handled, beyond the failure it means for its targets. */
export interface Classified {
  readonly failure: Failure;
  /** Applies to every later request to this host (rate limit, bad credentials). */
  readonly hostWide: boolean;
  /** The query may have been too heavy (timeout, 502/504, GitHub's "Something went wrong"): a smaller one may pass. */
  readonly heavy: boolean;
  /** Our own request timeout: the host did not answer at all (a call spends at most two on one repository). */
  readonly timedOut?: boolean;
  readonly status?: number;
}

interface ErrorLike {
  name?: string;
  message?: string;
  status?: number;
  response?: { status?: number; headers?: Record<string, string | undefined>; data?: unknown };
}

const TIMEOUT_TEXT =
  /Something went wrong while executing your query|couldn't respond to your request in time|timeout|timed out/i;

function header(e: ErrorLike, name: string): string | undefined {
  return e.response?.headers?.[name];
}

/** The `errors[].type` values of a GraphQL body, if any. */
export function graphqlErrorTypes(data: unknown): string[] {
  const errors = (data as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? errors.map((e) => String((e as { type?: unknown }).type ?? "")) : [];
}

/** When a primary limit lifts: `x-ratelimit-reset` (epoch seconds), else in an hour. */
export function resetFromHeaders(headers: Record<string, string | undefined> | undefined): Date {
  const reset = Number(headers?.["x-ratelimit-reset"]);
  return Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : new Date(Date.now() + 3_600_000);
}

const classified = (f: Failure, extra: Partial<Classified> = {}): Classified => ({
  failure: f,
  hostWide: false,
  heavy: false,
  ...extra,
});

/**
 * Maps an error thrown by Octokit (or by our fetch wrapper) to a typed failure. The message is built from the
 * status and a redacted, shortened server message: never from the error object (it holds request options).
 */
export function classifyError(error: unknown, what: string, redact: Redactor): Classified {
  const e = (error ?? {}) as ErrorLike;
  const said = redact.text(String(e.message ?? "")).slice(0, 200);
  // Not answered in time (`timedOut`): worth another look shortly, in a fresh invocation (core deferral.ts).
  if (error instanceof RequestTimeoutError) {
    const f = { ...failure("transient", `${what}: ${error.message}`), timedOut: true };
    return classified(f, { heavy: true, timedOut: true });
  }
  // The worker's deadline: not the host's fault, and nothing to retry in this invocation.
  if (isDeadline(error))
    return classified({ ...failure("deferred", `${what}: ${(error as Error).message}`), timedOut: true });
  if (e.name === "AbortError") return classified(failure("transient", `${what}: aborted`));

  const status = e.status ?? e.response?.status;
  const url = (error as { request?: { url?: unknown } })?.request?.url;
  if (
    typeof url === "string" &&
    /\/app\/installations\/[^/]+\/access_tokens$/.test(url) &&
    status !== undefined
  ) {
    // The App could not get an installation token: a credentials problem for every target, never "not found".
    return classified(failure("forbidden", `${what}: GitHub App authentication failed (${status})`), {
      hostWide: true,
      status,
    });
  }
  return rateLimitOf(e, status, what, said) ?? byStatus(e, status, what, said);
}

/** A primary (remaining 0, or a RATE_LIMITED GraphQL error) or secondary (429, retry-after) rate limit. */
function rateLimitOf(
  e: ErrorLike,
  status: number | undefined,
  what: string,
  said: string,
): Classified | undefined {
  const rateLimited = graphqlErrorTypes(e.response?.data).some(
    (t) => t === "RATE_LIMITED" || t === "RATE_LIMIT",
  );
  if (rateLimited || ((status === 403 || status === 429) && header(e, "x-ratelimit-remaining") === "0")) {
    const retryAt = resetFromHeaders(e.response?.headers);
    const message = `${what}: rate limit exhausted until ${retryAt.toISOString()}`;
    return classified(failure("rate_limited", message, retryAt), { hostWide: true, status });
  }
  if (
    status === 429 ||
    ((status === 403 || status === undefined) &&
      (header(e, "retry-after") !== undefined || /secondary rate/i.test(said)))
  ) {
    const seconds = Number(header(e, "retry-after"));
    const retryAt = new Date(Date.now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000);
    const message = `${what}: secondary rate limit, retry after ${retryAt.toISOString()}`;
    return classified(failure("rate_limited", message, retryAt), { hostWide: true, status });
  }
  return undefined;
}

/** Every other error, by HTTP status. */
function byStatus(e: ErrorLike, status: number | undefined, what: string, said: string): Classified {
  switch (status) {
    case 401:
      // Our credentials, not this target: the sweep must not back the targets off for it.
      return classified(
        { ...failure("forbidden", `${what}: credentials rejected (401)`), scope: "host" },
        { hostWide: true, status },
      );
    case 403:
      return classified(failure("forbidden", `${what}: access denied (403) ${said}`.trim()), { status });
    case 404:
    case 410:
    case 422:
      return classified(failure("not_found", `${what}: not found (${status})`), { status });
    case 400:
      return classified(failure("invalid", `${what}: rejected as invalid (400) ${said}`.trim()), { status });
    case 451:
      return classified(failure("forbidden", `${what}: unavailable for legal reasons (451)`), { status });
  }
  if (status === 500 && e.response === undefined)
    return classified(failure("transient", `${what}: network error${said ? `: ${said}` : ""}`), { status });
  if (status !== undefined && status >= 500) {
    const heavy = status === 502 || status === 504 || TIMEOUT_TEXT.test(said);
    const message = `${what}: server error ${status} after retries${said ? `: ${said}` : ""}`;
    return classified(failure("transient", message), { heavy, status });
  }
  return classified(
    failure("transient", `${what}: request failed${status ? ` (${status})` : ""}${said ? `: ${said}` : ""}`),
    { status },
  );
}
