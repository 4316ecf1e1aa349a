import { createHash, timingSafeEqual } from "node:crypto";
import type { Log } from "@drift/core";
import type { MiddlewareHandler } from "hono";
import { errorBody } from "./errors";

/**
 * How the admin routes are protected. `bearer`: `Authorization: Bearer TOKEN`, where the token is a string or a
 * loader (Secrets Manager in AWS, with its own cache). `iam`: the Lambda Function URL checked SigV4 already.
 */
export type AdminAuth =
  | { readonly mode: "bearer"; readonly token: string | (() => Promise<string>) }
  | { readonly mode: "iam" };

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** Constant-time comparison: hashing first makes both sides the same length, whatever the input. */
export function tokensMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

/** Rejects requests without the right bearer token with 401. Never logs or echoes the token. */
export function adminAuth(auth: AdminAuth, logger: Log): MiddlewareHandler {
  if (auth.mode === "iam") return async (_c, next) => next();
  if (typeof auth.token === "string" && auth.token.length === 0) {
    throw new Error("admin auth: the bearer token is empty");
  }
  return async (c, next) => {
    const unauthorized = (message: string) => {
      c.header("WWW-Authenticate", 'Bearer realm="drift-admin"');
      return c.json(errorBody("unauthorized", message), 401);
    };
    const match = BEARER.exec(c.req.header("authorization") ?? "");
    if (!match?.[1]) return unauthorized("missing bearer token");
    let expected: string;
    try {
      expected = typeof auth.token === "string" ? auth.token : await auth.token();
    } catch (error) {
      logger.error("admin token could not be loaded", { error: (error as Error).message });
      return c.json(errorBody("auth_unavailable", "the admin token could not be loaded"), 503);
    }
    if (!expected) return c.json(errorBody("auth_unavailable", "no admin token is configured"), 503);
    if (!tokensMatch(match[1], expected)) return unauthorized("invalid bearer token");
    await next();
  };
}
