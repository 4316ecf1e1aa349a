import { ROLLOUT_STATUSES, rolloutSchemas } from "@drift/core";
import * as z from "zod/mini";
import { reportBody } from "./rollouts";

/**
 * The rollout routes as the OpenAPI document describes them (CONTRACT "rollouts"; operators only). Shaped as
 * openapi/routes.ts `RouteDoc` (not imported: that file imports this one).
 */
interface RouteDoc {
  readonly method: "get" | "post";
  readonly path: string;
  readonly summary: string;
  readonly operatorOnly: true;
  readonly query?: z.ZodMiniObject;
  readonly body?: z.ZodMiniType;
  readonly responses: Record<number, { readonly description: string; readonly schema?: z.ZodMiniType }>;
}

const wave = z.looseObject({
  size: z.union([z.number(), z.string()]),
  soak: z.string(),
  status: z.enum(["waiting", "soaking", "done", "stopped"]),
  started_at: z.nullable(z.string()),
  applied: z.number(),
  failed: z.number(),
  left: z.number(),
});
const rollout = z.looseObject({
  id: z.guid(),
  status: z.enum(ROLLOUT_STATUSES),
  latest_sha: z.string(),
  repository: z.nullable(z.looseObject({ owner: z.string(), name: z.string() })),
  tracked_ref: z.string(),
  waves: z.array(wave),
  reports: z.looseObject({ ok: z.number(), failed: z.number() }),
  created_by: z.string(),
  reason: z.nullable(z.string()),
});
const control = (action: string, summary: string): RouteDoc => ({
  method: "post",
  path: `/admin/rollouts/{id}/${action}`,
  summary,
  operatorOnly: true,
  responses: { 200: { description: "the rollout", schema: rollout } },
});

export const ROLLOUT_ROUTE_DOCS: readonly RouteDoc[] = [
  {
    method: "post",
    path: "/admin/rollouts",
    summary: "Deliver one drift in waves; the first wave is applied by this request",
    operatorOnly: true,
    body: rolloutSchemas().create,
    responses: { 201: { description: "the rollout, its first wave applied", schema: rollout } },
  },
  {
    method: "get",
    path: "/admin/rollouts",
    summary: "Rollouts, running and paused first",
    operatorOnly: true,
    query: z.strictObject({ status: z.optional(z.enum(ROLLOUT_STATUSES)) }),
    responses: { 200: { description: "rollouts", schema: z.looseObject({ items: z.array(rollout) }) } },
  },
  {
    method: "get",
    path: "/admin/rollouts/{id}",
    summary: "One rollout, wave by wave",
    operatorOnly: true,
    responses: { 200: { description: "the rollout", schema: rollout } },
  },
  {
    method: "post",
    path: "/admin/rollouts/{id}/reports",
    summary: "A health report from the platform; more failures than max_failures halt the rollout",
    operatorOnly: true,
    body: reportBody,
    responses: {
      202: {
        description: "recorded",
        schema: z.looseObject({ status: z.literal("recorded"), rollout_status: z.nullable(z.string()) }),
      },
    },
  },
  control("pause", "Pause: no further wave starts"),
  control("resume", "Resume: the next wave starts when its soak has ended"),
  control("cancel", "Cancel: the waves not started never start (their rows stay pending)"),
];
