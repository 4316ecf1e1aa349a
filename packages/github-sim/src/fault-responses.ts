import type { FaultScope, Faults } from "./faults";
import { jsonResponse } from "./json-response";
import type { SimCounters } from "./request-log";
import type { SimResponse } from "./rest";

/**
 * Takes the next HTTP-level fault queued for this request, if any, and the answer it stands for: `"hang"` (never
 * answered), an HTML page, an error status, or a primary/secondary rate-limit refusal (counted as rate-limited).
 * Faults inside a GraphQL answer (resource limits, nulled fields) are applied by the GraphQL executor instead.
 */
export function faultResponse(
  faults: Faults,
  counters: SimCounters,
  scope: Exclude<FaultScope, "any">,
  path: string,
  body = "",
): SimResponse | "hang" | undefined {
  const fault = faults.take(
    ["hang", "status", "primaryRateLimit", "secondaryRateLimit", "html"],
    scope,
    path,
    undefined,
    body,
  );
  if (!fault) return undefined;
  switch (fault.kind) {
    case "hang":
      return "hang";
    case "html":
      return {
        status: fault.status ?? 200,
        headers: { "content-type": "text/html; charset=utf-8" },
        body: "<!DOCTYPE html><html><body><h1>Sign in to continue</h1></body></html>",
      };
    case "status":
      return jsonResponse(fault.status, {
        message: fault.message ?? (fault.status >= 500 ? "Server Error" : "Error"),
        status: String(fault.status),
      });
    case "primaryRateLimit": {
      const reset = Math.ceil(Date.now() / 1000) + (fault.resetInSeconds ?? 3600);
      counters.rateLimited += 1;
      return jsonResponse(
        403,
        {
          message: "API rate limit exceeded for user ID 1.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
        {
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-used": "5000",
          "x-ratelimit-reset": String(reset),
        },
      );
    }
    case "secondaryRateLimit":
      counters.rateLimited += 1;
      return jsonResponse(
        fault.status ?? 429,
        {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url:
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        },
        { "retry-after": String(fault.retryAfterSeconds ?? 60) },
      );
  }
}
