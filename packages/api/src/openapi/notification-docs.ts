import { subscriptionInputSchema } from "@drift/core";
import * as z from "zod/mini";

/** The notification routes as the OpenAPI document describes them (issue 27; spread into ROUTE_DOCS). */

const uuid = z.string().check(z.uuid());
const subscription = z.looseObject({
  id: uuid,
  url: z.string(),
  format: z.enum(["slack", "json"]),
  events: z.array(z.string()),
  digest: z.nullable(z.literal("daily")),
  has_secret: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
const delivery = z.looseObject({
  id: uuid,
  subscription_id: uuid,
  kind: z.enum(["event", "digest", "test"]),
  event_type: z.nullable(z.string()),
  status: z.enum(["pending", "sent", "failed", "held", "digested"]),
  attempts: z.number(),
  last_error: z.nullable(z.string()),
  response_code: z.nullable(z.number()),
  next_attempt_at: z.nullable(z.string()),
  created_at: z.string(),
  sent_at: z.nullable(z.string()),
});

export const NOTIFICATION_ROUTE_DOCS = [
  {
    method: "get",
    path: "/admin/notifications",
    summary: "Notification subscriptions (secrets never shown: has_secret)",
    operatorOnly: true,
    responses: {
      200: { description: "every subscription", schema: z.looseObject({ items: z.array(subscription) }) },
    },
  },
  {
    method: "put",
    path: "/admin/notifications",
    summary: "Create or replace a subscription; its URL is checked (https, no private address after DNS)",
    operatorOnly: true,
    body: subscriptionInputSchema(),
    responses: {
      200: { description: "replaced", schema: subscription },
      201: { description: "created", schema: subscription },
    },
  },
  {
    method: "delete",
    path: "/admin/notifications/{id}",
    summary: "Delete a subscription and its delivery log",
    operatorOnly: true,
    responses: {
      200: { description: "deleted", schema: z.looseObject({ status: z.literal("deleted"), id: uuid }) },
    },
  },
  {
    method: "get",
    path: "/admin/notifications/{id}/deliveries",
    summary: "A subscription's recent deliveries: status, attempts, last error, response code",
    operatorOnly: true,
    responses: { 200: { description: "newest first", schema: z.looseObject({ items: z.array(delivery) }) } },
  },
  {
    method: "post",
    path: "/admin/notifications/{id}/test",
    summary: "Send a test message now; answers its delivery (sent, or pending with the error)",
    operatorOnly: true,
    responses: { 200: { description: "the test delivery", schema: delivery } },
  },
] as const;
