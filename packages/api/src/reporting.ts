import { latestSweepSummary, listFailingTargets } from "@drift/db";
import { Hono } from "hono";
import * as z from "zod/mini";
import { principalOf, scopeOf } from "./access/principal";
import { fail } from "./errors";
import type { AppContext } from "./options";
import { describeIssue } from "./validation";

export const failingQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 100),
});

/** Read-only reports: failing targets and the latest sweep (authenticated by the parent app). */
export function reportingRoutes({ sql }: AppContext): Hono {
  const app = new Hono();
  app.get("/admin/targets/failing", async (c) => {
    const parsed = z.safeParse(failingQuery, c.req.query());
    if (!parsed.success) return fail(c, 400, "invalid_query", describeIssue(parsed.error, "query parameter"));
    return c.json(
      await listFailingTargets(sql, { limit: parsed.data.limit, scope: scopeOf(principalOf(c)) }),
    );
  });
  app.get("/admin/sweeps/latest", async (c) => c.json({ sweep: await latestSweepSummary(sql) }));
  return app;
}
