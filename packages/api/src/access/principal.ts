import type { Context, MiddlewareHandler } from "hono";
import { fail } from "../errors";

/**
 * Who is calling, decided once by authentication (./authenticate.ts) and read by every route: the one place
 * that says what a caller may see ({@link scopeOf}) and do ({@link operatorOnly}).
 */
export type Principal =
  | {
      readonly role: "operator";
      /** `token` (ADMIN_TOKEN), `token:<id>` (a minted operator token), or the IAM principal ARN. */
      readonly decidedBy: string;
      readonly tokenId?: string;
    }
  | {
      readonly role: "workspace";
      readonly workspaceId: string;
      /** `token:<id>` (`cli` for `drift mcp --workspace`). */
      readonly decidedBy: string;
      readonly tokenId?: string;
    };

const KEY = "principal";

export function setPrincipal(c: Context, principal: Principal): void {
  c.set(KEY as never, principal as never);
}

/** The caller of an authenticated route. Throws (a 500) if a route was mounted outside authentication. */
export function principalOf(c: Context): Principal {
  const principal = c.get(KEY as never) as Principal | undefined;
  if (!principal) throw new Error("route mounted without authentication");
  return principal;
}

/** The workspace a caller is limited to; undefined for an operator (everything). */
export const scopeOf = (principal: Principal): string | undefined =>
  principal.role === "workspace" ? principal.workspaceId : undefined;

/** 403 unless the caller is an operator. Mount it on a route group: `app.use("/admin/rollouts/*", operatorOnly)`. */
export const operatorOnly: MiddlewareHandler = async (c, next) => {
  if (principalOf(c).role !== "operator")
    return fail(c, 403, "forbidden", "this route is for operators; a workspace token cannot use it");
  await next();
};

/**
 * Route groups only operators use (CONTRACT "scoped access"): a workspace token gets 403 on these paths and
 * everything under them, including routes other features add later under the same prefixes.
 */
export const OPERATOR_ONLY_PREFIXES: readonly string[] = [
  "/admin/tokens",
  "/admin/policies",
  "/admin/rollouts",
  "/admin/notifications",
  "/admin/sweeps",
];

export const isOperatorOnlyPath = (path: string): boolean =>
  OPERATOR_ONLY_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/** {@link operatorOnly} for every path under {@link OPERATOR_ONLY_PREFIXES}. */
export const operatorOnlyPaths: MiddlewareHandler = async (c, next) => {
  if (isOperatorOnlyPath(c.req.path)) return operatorOnly(c, next);
  await next();
};
