import { classifyError, type Failure, failure } from "../shared/errors";
import { abortDeferral, budgetDeferral, type HostEnv, type HostGate } from "../shared/host";
import { type CallTimeouts, timedOutTwice, withTimeoutRetry } from "../shared/timeouts";

/** A REST answer: its body and headers. */
export interface RestResponse {
  data: unknown;
  headers: Record<string, string | undefined>;
}

export type Sent<T> = { ok: true; value: T } | { ok: false; failure: Failure; status?: number };

/** What a request needs of its resolve call: the deadline signal and the call's timeouts per repository. */
export interface RestCall {
  readonly signal?: AbortSignal;
  readonly timeouts: CallTimeouts;
}

/**
 * One GET through the host's semaphore, sent once more after a timeout and not at all to a repository that
 * timed out twice in the call (shared/timeouts.ts). The gate and the budget are checked inside the slot, so
 * requests waiting for it never go out after the host said stop. Failures typed; a 304 is reported by its status.
 */
export function sendRest(
  env: HostEnv,
  gate: HostGate,
  call: RestCall,
  what: string,
  path: string,
  params: Record<string, unknown>,
): Promise<Sent<RestResponse>> {
  return withTimeoutRetry(
    call.timeouts,
    path,
    () => sendOnce(env, gate, call, what, path, params),
    (sent) => !sent.ok && sent.failure.kind === "transient" && sent.failure.timedOut === true,
    () => ({ ok: false, failure: timedOutTwice(what) }),
  );
}

/** One attempt of {@link sendRest}. */
function sendOnce(
  env: HostEnv,
  gate: HostGate,
  call: RestCall,
  what: string,
  path: string,
  params: Record<string, unknown>,
): Promise<Sent<RestResponse>> {
  const { budget, client, limiter, redact } = env;
  return limiter.run(async (): Promise<Sent<RestResponse>> => {
    if (call.signal?.aborted) return { ok: false, failure: abortDeferral() };
    const stop = gate.check(call);
    if (stop) return { ok: false, failure: stop };
    if (!budget.tryReserve(1)) return { ok: false, failure: budgetDeferral(budget.reserve) };
    try {
      const response = await client.request(`GET ${path}`, { ...params, request: { signal: call.signal } });
      return {
        ok: true,
        value: { data: response.data, headers: response.headers as RestResponse["headers"] },
      };
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 304) return { ok: false, failure: failure("transient", "not modified"), status };
      const c = classifyError(error, what, redact);
      if (c.hostWide) gate.close(c.failure, call);
      return { ok: false, failure: c.failure, status: c.status };
    } finally {
      budget.release(1);
    }
  });
}
