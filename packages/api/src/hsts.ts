import type { Context } from "hono";

/** Two years, subdomains included: a Function URL is HTTPS-only, and so is any proxy in front of drift serve. */
export const HSTS = "max-age=63072000; includeSubDomains";

/**
 * True when the answer goes out over HTTPS: the Lambda adapter builds https:// URLs (a Function URL is HTTPS
 * only), and a TLS-terminating proxy says so in X-Forwarded-Proto. Plain-http `drift serve` gets no HSTS.
 */
export const servedOverHttps = (c: Context): boolean =>
  new URL(c.req.url).protocol === "https:" ||
  c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";

/** Sets Strict-Transport-Security on every answer served over HTTPS (errors included: set before the route runs). */
export function setHsts(c: Context): void {
  if (servedOverHttps(c)) c.header("Strict-Transport-Security", HSTS);
}
