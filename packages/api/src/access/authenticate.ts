import type { Log } from "@drift/core";
import { findTokenCredential, type Sql, touchToken } from "@drift/db";
import type { Context, MiddlewareHandler } from "hono";
import { type AdminAuth, tokensMatch } from "../auth";
import { errorBody } from "../errors";
import { type Principal, setPrincipal } from "./principal";
import { decoyHash, parseToken, verifySecret } from "./token-secret";

/** What authentication reads: the operator's credential, the token table, and this deployment's environment. */
export interface AccessOptions {
  readonly auth: AdminAuth;
  readonly sql: Sql;
  /** The environment part of minted tokens (see token-secret.ts). */
  readonly environment: string;
  readonly logger: Log;
}

export type Authenticated =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly status: 401 | 503; readonly code: string; readonly message: string };

const refused = (message: string): Authenticated => ({
  ok: false,
  status: 401,
  code: "unauthorized",
  message,
});

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

/** The caller's IAM principal ARN behind an IAM Function URL (AWS checked SigV4 already). */
function iamPrincipal(c: Context): string {
  const event = (c.env as { event?: { requestContext?: { authorizer?: { iam?: { userArn?: unknown } } } } })
    ?.event;
  const arn = event?.requestContext?.authorizer?.iam?.userArn;
  return typeof arn === "string" && arn.startsWith("arn:") ? arn.slice(0, 300) : "iam";
}

/** A minted token: known, the secret matching, neither revoked nor expired. Never logs the token. */
async function mintedPrincipal(options: AccessOptions, presented: string): Promise<Authenticated | null> {
  const parsed = parseToken(presented);
  if (parsed.kind !== "token") return null;
  if (parsed.environment !== options.environment)
    return refused(`the token is for another environment (${parsed.environment}), not this one`);
  const credential = await findTokenCredential(options.sql, parsed.id);
  // Unknown id: the same scrypt work against a decoy, so that answer takes as long as a wrong secret.
  const matches = await verifySecret(parsed.secret, credential?.secret_hash ?? (await decoyHash()));
  if (!credential || !matches) return refused("invalid bearer token");
  if (!credential.active) return refused("the token is revoked or expired");
  await touchToken(options.sql, credential.id);
  const decidedBy = `token:${credential.id}`;
  if (credential.role === "workspace" && credential.workspace_id)
    return {
      ok: true,
      principal: {
        role: "workspace",
        workspaceId: credential.workspace_id,
        decidedBy,
        tokenId: credential.id,
      },
    };
  return { ok: true, principal: { role: "operator", decidedBy, tokenId: credential.id } };
}

/**
 * Who the Authorization header names: ADMIN_TOKEN (operator, `token`), a minted token (operator or one
 * workspace, `token:<id>`), or, in IAM mode, the IAM principal (operator). HTTP routes and MCP both use it.
 */
export async function authenticate(
  options: AccessOptions,
  c: Context,
  authorization: string | undefined,
): Promise<Authenticated> {
  if (options.auth.mode === "iam")
    return { ok: true, principal: { role: "operator", decidedBy: iamPrincipal(c) } };
  const presented = BEARER.exec(authorization ?? "")?.[1];
  if (!presented) return refused("missing bearer token");
  const minted = await mintedPrincipal(options, presented);
  if (minted) return minted;
  let expected: string;
  try {
    expected = typeof options.auth.token === "string" ? options.auth.token : await options.auth.token();
  } catch (error) {
    options.logger.error("admin token could not be loaded", { error: (error as Error).message });
    return {
      ok: false,
      status: 503,
      code: "auth_unavailable",
      message: "the admin token could not be loaded",
    };
  }
  if (!expected)
    return { ok: false, status: 503, code: "auth_unavailable", message: "no admin token is configured" };
  if (!tokensMatch(presented, expected)) return refused("invalid bearer token");
  return { ok: true, principal: { role: "operator", decidedBy: "token" } };
}

/** The authentication middleware: 401 (with WWW-Authenticate) or 503, else the principal set for the routes. */
export function accessAuth(options: AccessOptions): MiddlewareHandler {
  if (options.auth.mode === "bearer" && typeof options.auth.token === "string" && !options.auth.token)
    throw new Error("admin auth: the bearer token is empty");
  return async (c, next) => {
    const result = await authenticate(options, c, c.req.header("authorization"));
    if (!result.ok) {
      if (result.status === 401) c.header("WWW-Authenticate", 'Bearer realm="drift-admin"');
      return c.json(errorBody(result.code, result.message), result.status);
    }
    setPrincipal(c, result.principal);
    await next();
  };
}
