import {
  type Classified,
  classifyError,
  type Failure,
  failure,
  graphqlErrorTypes,
  resetFromHeaders,
} from "../shared/errors";
import { abortDeferral, budgetDeferral, type HostEnv, type HostGate } from "../shared/host";
import { repeating } from "../shared/repeat";
import type { GraphqlError } from "./graphql-plan";
import type { BuiltQuery } from "./graphql-query";
import type { Call } from "./graphql-work";

/** A GraphQL answer, read. */
export interface Answer {
  readonly data?: Record<string, unknown>;
  readonly errors: GraphqlError[];
  /** Neither `data` nor an `errors` array (an HTML page from a proxy, an empty body): no GraphQL answer. */
  readonly malformed?: boolean;
  readonly rate?: { cost?: number; remaining?: number; resetAt?: string };
  readonly rateLimited?: Failure;
}

/** What one attempt to send a query came to. */
export type Sent = { readonly skip: Failure } | { readonly error: Classified } | Answer;

/** A plain server error (500, 503, a network error): worth repeating as is, unlike a heavy one. */
export const retryable = (c: Classified) =>
  !c.heavy && !c.hostWide && c.failure.kind === "transient" && c.status !== undefined && c.status >= 500;

/**
 * The HTTP step of a host's GraphQL endpoint: sends queries through the host's concurrency slot, budget and
 * gate, and remembers what the endpoint has told us so far (that it answers; that it does not exist).
 */
export class GraphqlSender {
  /** The endpoint has answered at least once (so it exists and accepts our credentials). */
  answered = false;
  /** The endpoint answered 404 (no GraphQL here): the caller falls back to REST. */
  unavailable = false;

  constructor(
    private readonly env: HostEnv,
    private readonly url: string,
    private readonly gate: HostGate,
  ) {}

  /** {@link send}, repeating plain 5xx answers (not heavy ones) up to `retries` times, backing off with jitter. */
  sendRetrying(built: BuiltQuery, repositories: number, call: Call): Promise<Sent> {
    return repeating(
      () => this.send(built, repositories, call),
      (sent) => "error" in sent && retryable(sent.error),
      this.env.settings,
      call.signal,
    );
  }

  /**
   * Sends one query inside the host's concurrency slot. The gate, the budget and the answer's rate-limit data
   * are checked and recorded inside the slot, so a query waiting for it never goes out after the host said stop.
   */
  send(built: BuiltQuery, repositories: number, call: Call): Promise<Sent> {
    const { budget, client, limiter, redact } = this.env;
    return limiter.run(async (): Promise<Sent> => {
      if (call.signal?.aborted) return { skip: abortDeferral() };
      const stop = this.gate.check(call);
      if (stop) return { skip: stop };
      if (this.unavailable) return { skip: failure("transient", "GitHub GraphQL endpoint not available") };
      if (!budget.tryReserve(1)) return { skip: budgetDeferral(budget.reserve) };
      try {
        const answer = await client.request({
          method: "POST",
          url: this.url,
          query: built.query,
          variables: built.variables,
          // No plugin retries: heavy failures are split by the batcher, plain 5xx repeated by sendRetrying.
          request: { signal: call.signal, retries: 0 },
        });
        this.answered = true;
        const raw: unknown = answer.data;
        const body = (raw && typeof raw === "object" ? raw : {}) as {
          data?: Record<string, unknown> | null;
          errors?: unknown;
        };
        const errors: GraphqlError[] = Array.isArray(body.errors) ? (body.errors as GraphqlError[]) : [];
        const data = body.data && typeof body.data === "object" ? body.data : undefined;
        const malformed = !data && !Array.isArray(body.errors);
        const rate = data?.rateLimit as Answer["rate"];
        if (typeof rate?.remaining === "number")
          budget.observe(rate.remaining, rate.resetAt ? new Date(rate.resetAt) : undefined);
        if (typeof rate?.cost === "number") this.env.onPoints(rate.cost, call.signal);
        let rateLimited: Failure | undefined;
        if (graphqlErrorTypes(body).some((t) => t === "RATE_LIMITED" || t === "RATE_LIMIT")) {
          const retryAt = resetFromHeaders(answer.headers as Record<string, string | undefined>);
          rateLimited = failure(
            "rate_limited",
            `GitHub GraphQL rate limit exhausted until ${retryAt.toISOString()}`,
            retryAt,
          );
          this.gate.close(rateLimited, call);
        }
        return { data, errors, rate, rateLimited, malformed };
      } catch (error) {
        const c = classifyError(error, `GraphQL query for ${repositories} repositories`, redact);
        if (c.hostWide) this.gate.close(c.failure, call);
        return { error: c };
      } finally {
        budget.release(1);
      }
    });
  }
}
