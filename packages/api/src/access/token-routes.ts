import { isUuid } from "@drift/core";
import { type AccessToken, insertToken, listTokens, revokeToken, type Sql, type TokenRole } from "@drift/db";
import { Hono } from "hono";
import * as z from "zod/mini";
import { fail } from "../errors";
import type { AppContext } from "../options";
import { describeIssue } from "../validation";
import { principalOf } from "./principal";
import { mintToken } from "./token-secret";

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** `POST /admin/tokens` (also the OpenAPI document's request schema). */
export const tokenCreateBody = z
  .strictObject({
    name: z.string().check(
      z.trim(),
      z.minLength(1, { message: "name must be 1 to 100 characters" }),
      z.maxLength(100, { message: "name must be 1 to 100 characters" }),
      z.refine((v) => !/[\p{Cc}]/u.test(v), { message: "name must not contain control characters" }),
    ),
    role: z.enum(["operator", "workspace"]),
    workspace_id: z.optional(z.guid({ message: "workspace_id must be a UUID" })),
    expires_at: z.optional(
      z.string().check(
        z.maxLength(64),
        z.refine((v) => ISO_TIME.test(v) && Number.isFinite(Date.parse(v)), {
          message: "expires_at must be an ISO-8601 date-time with a time zone, e.g. 2026-12-31T00:00:00Z",
        }),
        z.refine((v) => !ISO_TIME.test(v) || Date.parse(v) > Date.now(), {
          message: "expires_at must be in the future",
        }),
      ),
    ),
  })
  .check(
    z.refine((b) => (b.role === "workspace") === (b.workspace_id !== undefined), {
      message: "workspace_id is required for a workspace token, and only for one",
      path: ["workspace_id"],
    }),
  );

/**
 * Mints a token and stores its hash: the one way tokens are made (`POST /admin/tokens`, `drift token create`).
 * The answer carries the token itself; nothing else ever does.
 */
export async function createAccessToken(
  sql: Sql,
  environment: string,
  input: {
    name: string;
    role: TokenRole;
    workspaceId: string | null;
    expiresAt: Date | null;
    createdBy: string;
  },
): Promise<AccessToken & { readonly token: string }> {
  const minted = await mintToken(environment);
  const saved = await insertToken(sql, { id: minted.id, secretHash: minted.secretHash, ...input });
  return { ...saved, token: minted.token };
}

/**
 * Tokens (CONTRACT "scoped access"; operators only, see principal.ts): mint (the secret answered once, stored
 * only as a hash), list (no secrets), revoke (refused from the next request on).
 */
export function tokenRoutes({ sql, logger, tokenEnvironment }: AppContext): Hono {
  const app = new Hono();
  app.post("/admin/tokens", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, "invalid_body", "body must be JSON");
    }
    const parsed = z.safeParse(tokenCreateBody, body);
    if (!parsed.success) return fail(c, 400, "invalid_body", describeIssue(parsed.error));
    const input = parsed.data;
    const created = await createAccessToken(sql, tokenEnvironment ?? "local", {
      name: input.name,
      role: input.role,
      workspaceId: input.workspace_id ?? null,
      expiresAt: input.expires_at ? new Date(input.expires_at) : null,
      createdBy: principalOf(c).decidedBy,
    });
    // The id only: the token itself is in this one answer and nowhere else.
    logger.info("token minted", { id: created.id, role: created.role, workspace_id: created.workspace_id });
    return c.json(created, 201);
  });
  app.get("/admin/tokens", async (c) => c.json({ items: await listTokens(sql) }));
  app.delete("/admin/tokens/:id", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) return fail(c, 400, "invalid_id", "id must be a UUID");
    const revoked = await revokeToken(sql, id);
    if (!revoked) return fail(c, 404, "not_found", `no token ${id}`);
    logger.info("token revoked", { id });
    return c.json({ status: "revoked", ...revoked });
  });
  return app;
}

/** `GET /admin/whoami`: the caller's role and workspace (the page and agents adapt to it). */
export function callerRoutes(): Hono {
  const app = new Hono();
  app.get("/admin/whoami", (c) => {
    const caller = principalOf(c);
    return c.json({
      role: caller.role,
      workspace_id: caller.role === "workspace" ? caller.workspaceId : null,
      token_id: caller.tokenId ?? null,
      decided_by: caller.decidedBy,
    });
  });
  return app;
}
