import { isUuid, parseSubscriptionInput } from "@drift/core";
import {
  deleteSubscription,
  getDelivery,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  putSubscription,
  queueTestDelivery,
} from "@drift/db";
import { checkNotifyUrl, deliverPending } from "@drift/notify";
import { Hono, type MiddlewareHandler } from "hono";
import { fail } from "./errors";
import type { AppContext } from "./options";

/**
 * Notification subscriptions (CONTRACT "notifications"), operator-only, in their own sub-app so an access guard
 * is one line: `GET|PUT /admin/notifications`, `DELETE /admin/notifications/{id}`,
 * `GET /admin/notifications/{id}/deliveries`, and `POST /admin/notifications/{id}/test` (a test message sent now;
 * the page's and `drift notify test`'s button). A refused URL or unknown field value is a 400 naming it, and
 * nothing is stored.
 */
export function notificationRoutes({ sql, logger, notify }: AppContext): Hono {
  const settings = notify ?? { allowLoopback: false };
  const app = new Hono();
  app.get("/admin/notifications", async (c) => c.json({ items: await listSubscriptions(sql) }));

  app.put("/admin/notifications", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, "invalid_json", "the body must be one subscription as JSON");
    }
    const parsed = parseSubscriptionInput(body);
    if (!parsed.ok) return fail(c, 400, "invalid_notification", parsed.error);
    const checked = await checkNotifyUrl(parsed.value.url, settings);
    if (!checked.ok) return fail(c, 400, "url_refused", checked.reason);
    const saved = await putSubscription(sql, parsed.value);
    if (saved.kind === "not_found") return fail(c, 404, "not_found", `no subscription ${parsed.value.id}`);
    const { url: _url, ...shown } = saved.subscription;
    logger.info("notification subscription saved", { ...shown, host: checked.url.host });
    return c.json(saved.subscription, saved.created ? 201 : 200);
  });

  app.delete("/admin/notifications/:id", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) return fail(c, 400, "invalid_id", "id must be a UUID");
    if (!(await deleteSubscription(sql, id))) return fail(c, 404, "not_found", `no subscription ${id}`);
    logger.info("notification subscription deleted", { id });
    return c.json({ status: "deleted", id });
  });

  app.get("/admin/notifications/:id/deliveries", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) return fail(c, 400, "invalid_id", "id must be a UUID");
    const items = await listDeliveries(sql, id);
    if (!items) return fail(c, 404, "not_found", `no subscription ${id}`);
    return c.json({ items });
  });

  app.post("/admin/notifications/:id/test", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) return fail(c, 400, "invalid_id", "id must be a UUID");
    if (!(await getSubscription(sql, id))) return fail(c, 404, "not_found", `no subscription ${id}`);
    const deliveryId = await queueTestDelivery(sql, id, new Date());
    await deliverPending(sql, settings, { log: logger }, { subscriptionId: id, budgetMs: 5_000 });
    return c.json(await getDelivery(sql, deliveryId));
  });
  return app;
}

/**
 * After a decision route answered 200 (its events are in the outbox, committed), sends the notifications that are
 * due, so an applied or rolled-back update is told at once rather than at the next sweep. Bounded: one request
 * timeout per failing receiver at most; a failure is logged, never answered.
 */
export function deliverAfterDecisions({ sql, logger, notify }: AppContext): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!notify || c.req.method !== "POST" || c.res.status !== 200) return;
    await deliverPending(sql, notify, { log: logger }, { budgetMs: 3_000 });
  };
}
