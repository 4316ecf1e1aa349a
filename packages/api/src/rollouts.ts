import {
  type ControlAction,
  controlRollout,
  createRolloutDeps,
  isUuid,
  newRolloutOf,
  parseRolloutRequest,
  ROLLOUT_STATUSES,
  type RolloutDeps,
  type RolloutStatus,
  reportRolloutHealth,
  startRollout,
} from "@drift/core";
import { createDecisionStore, createEventOutbox, createRolloutStore } from "@drift/db";
import { type Context, Hono } from "hono";
import * as z from "zod/mini";
import { principalOf } from "./access/principal";
import { fail } from "./errors";
import type { AppContext } from "./options";
import { describeIssue } from "./validation";

/**
 * Rollouts over HTTP (CONTRACT "rollouts"): create (the first wave is applied by this request), list, show,
 * health reports, pause/resume/cancel. Validation first (400), then the use cases of @drift/core; a refusal
 * (409) changes nothing.
 */

export const reportBody = z.strictObject({
  workspace_id: z.string().check(z.refine(isUuid, { message: "must be a UUID" })),
  plugin_name: z.string().check(z.minLength(1), z.maxLength(200)),
  ok: z.boolean(),
  detail: z.optional(z.string().check(z.maxLength(500, { message: "at most 500 characters" }))),
});

async function jsonOf(c: Context): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await c.req.text();
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The rollout use cases' dependencies for one app (metrics through `onRollout`). */
export function rolloutDeps(options: AppContext): RolloutDeps {
  const { sql, logger } = options;
  return createRolloutDeps({
    rollouts: createRolloutStore(sql, options.webBases),
    decisions: createDecisionStore(sql),
    outbox: createEventOutbox(sql),
    notifier: options.notifier,
    now: options.now,
    log: logger,
    observer: {
      wavesStarted: (n) => options.onRollout?.("wave_started", n),
      halted: (n) => options.onRollout?.("halted", n),
      rolledBack: (n) => options.onRollout?.("rolled_back", n),
    },
  });
}

export function rolloutRoutes(options: AppContext): Hono {
  const app = new Hono();
  const deps = rolloutDeps(options);
  const badId = (c: Context) => fail(c, 400, "invalid_id", "id must be a UUID");

  app.post("/admin/rollouts", async (c) => {
    const body = await jsonOf(c);
    if (!body.ok) return fail(c, 400, "invalid_body", "body must be JSON");
    const parsed = parseRolloutRequest(body.value);
    if (!parsed.ok) return fail(c, 400, "invalid_body", parsed.error);
    const r = parsed.value;
    const created = await startRollout(deps, newRolloutOf(r, principalOf(c).decidedBy));
    if (created.kind !== "created")
      return fail(c, created.kind === "invalid" ? 400 : 409, created.code, created.message);
    options.logger.info("rollout created", { rollout_id: created.id, rows: r.ids.length });
    return c.json(created.rollout ?? { id: created.id }, 201);
  });

  app.get("/admin/rollouts", async (c) => {
    const status = c.req.query("status");
    const unknown = Object.keys(c.req.query()).filter((k) => k !== "status");
    if (unknown.length > 0) return fail(c, 400, "invalid_query", "the only query parameter is status");
    if (status !== undefined && !ROLLOUT_STATUSES.includes(status as RolloutStatus))
      return fail(c, 400, "invalid_query", `status must be one of ${ROLLOUT_STATUSES.join(", ")}`);
    return c.json({ items: await deps.store.list(status as RolloutStatus | undefined, deps.now()) });
  });

  app.get("/admin/rollouts/:id", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) return badId(c);
    const rollout = await deps.store.get(id, deps.now());
    return rollout ? c.json(rollout) : fail(c, 404, "not_found", `no rollout ${id}`);
  });

  app.post("/admin/rollouts/:id/reports", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) return badId(c);
    const body = await jsonOf(c);
    if (!body.ok) return fail(c, 400, "invalid_body", "body must be JSON");
    const parsed = z.safeParse(reportBody, body.value);
    if (!parsed.success) return fail(c, 400, "invalid_body", describeIssue(parsed.error));
    const result = await reportRolloutHealth(deps, id, parsed.data);
    if (result === "not_found") return fail(c, 404, "not_found", `no rollout ${id}`);
    if (result === "not_in_rollout")
      return fail(c, 409, "not_in_rollout", "that workspace and plugin are not in this rollout");
    const rollout = await deps.store.get(id, deps.now());
    return c.json({ status: "recorded", rollout_status: rollout?.status ?? null }, 202);
  });

  for (const action of ["pause", "resume", "cancel"] as const satisfies readonly ControlAction[]) {
    app.post(`/admin/rollouts/:id/${action}`, async (c) => {
      const id = c.req.param("id");
      if (!isUuid(id)) return badId(c);
      const result = await controlRollout(deps, id, action, principalOf(c).decidedBy);
      if (result.kind === "not_found") return fail(c, 404, "not_found", `no rollout ${id}`);
      if (result.kind === "conflict")
        return fail(
          c,
          409,
          `rollout_${result.status}`,
          `rollout ${id} is ${result.status}; it cannot ${action}`,
        );
      options.logger.info(`rollout ${action}`, { rollout_id: id });
      return c.json(await deps.store.get(id, deps.now()));
    });
  }
  return app;
}
