import { isUuid, parsePolicyInput } from "@drift/core";
import { deletePolicy, listIntegrityEvents, listPolicies, putPolicy } from "@drift/db";
import { Hono } from "hono";
import * as z from "zod/mini";
import { principalOf, scopeOf } from "./access/principal";
import { fail } from "./errors";
import type { AppContext } from "./options";
import { describeIssue } from "./validation";

export const eventsQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 100),
});

/**
 * Supply-chain policies (CONTRACT "policies") and the tag-integrity events (authenticated by the parent app):
 * `GET /admin/policies`, `PUT /admin/policies` (one policy), `DELETE /admin/policies/{id}`,
 * `GET /admin/integrity-events`.
 */
export function policyRoutes({ sql, logger }: AppContext): Hono {
  const app = new Hono();
  app.get("/admin/policies", async (c) => c.json({ items: await listPolicies(sql) }));

  app.put("/admin/policies", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, "invalid_json", "the body must be one policy as JSON");
    }
    const parsed = parsePolicyInput(body);
    if (!parsed.ok) return fail(c, 400, "invalid_policy", parsed.error);
    const result = await putPolicy(sql, parsed.value, principalOf(c).decidedBy);
    if (result.kind === "not_found") return fail(c, 404, "not_found", `no policy ${parsed.value.id}`);
    if (result.kind === "scope_taken")
      return fail(c, 409, "policy_scope_taken", `policy ${result.otherId} already covers that scope`);
    logger.info("policy saved", { ...result.policy });
    return c.json(result.policy, result.created ? 201 : 200);
  });

  app.delete("/admin/policies/:id", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) return fail(c, 400, "invalid_id", "id must be a UUID");
    if (!(await deletePolicy(sql, id, principalOf(c).decidedBy)))
      return fail(c, 404, "not_found", `no policy ${id}`);
    logger.info("policy deleted", { id });
    return c.json({ status: "deleted", id });
  });

  app.get("/admin/integrity-events", async (c) => {
    const parsed = z.safeParse(eventsQuery, c.req.query());
    if (!parsed.success) return fail(c, 400, "invalid_query", describeIssue(parsed.error));
    return c.json({
      items: await listIntegrityEvents(sql, parsed.data.limit, scopeOf(principalOf(c))),
    });
  });
  return app;
}
