import { type MetricsSink, recheckTargetNow } from "@drift/core";
import { createRecheckStore, markTargetDue, targetByKey } from "@drift/db";
import { Hono } from "hono";
import * as z from "zod/mini";
import { fail } from "./errors";
import type { AppContext } from "./options";
import { describeIssue } from "./validation";

export const recheckBody = z.strictObject({
  key: z.string().check(
    z.minLength(1),
    z.maxLength(1000),
    z.refine((v) => !/\p{Cc}/u.test(v), { message: "key must not contain control characters" }),
  ),
});

const noMetrics: MetricsSink = { add() {} };

/**
 * `POST /admin/targets/recheck` `{"key"}` (a failing target's key, as `GET /admin/targets/failing` lists it):
 * "re-check now". Where the app has a re-check queue (`drift serve`: in process), the target is resolved at once
 * by the sweep's worker → 202 `{"key", "queued": true}`; without one it is made due, so the next sweep looks it up
 * first → 202 `{"key", "queued": false}` (also when the queue refuses the message: the target is due anyway).
 * Unknown key → 404; bad body → 400. In AWS the queue is the re-check queue (functions/api.ts).
 */
export function targetRoutes(options: AppContext): Hono {
  const { sql, logger } = options;
  const app = new Hono();
  app.post("/admin/targets/recheck", async (c) => {
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch {
      return fail(c, 400, "invalid_body", "body must be JSON");
    }
    const parsed = z.safeParse(recheckBody, raw);
    if (!parsed.success) return fail(c, 400, "invalid_body", describeIssue(parsed.error));
    const target = await targetByKey(sql, parsed.data.key);
    if (!target) return fail(c, 404, "not_found", "no target has this key");
    await markTargetDue(sql, target.key);
    if (!options.recheckQueue) return c.json({ key: target.key, queued: false }, 202);
    const store = createRecheckStore(sql);
    const queue = options.recheckQueue;
    let queued: boolean;
    try {
      queued = await recheckTargetNow({ store, queue, metrics: noMetrics, log: logger }, target);
    } catch (error) {
      // The queue refused (SQS down): the target is due already, so the next sweep still looks it up first.
      logger.error("re-check now could not be queued; the target is due at the next sweep", {
        target: target.key,
        error: error instanceof Error ? error.message : String(error),
      });
      return c.json({ key: target.key, queued: false }, 202);
    }
    // Not queued: a re-check that has not run yet covers it already.
    return c.json({ key: target.key, queued: true, coalesced: !queued }, 202);
  });
  return app;
}
