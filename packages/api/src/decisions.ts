import {
  type DecidedUpdate,
  type DecisionAction,
  type DecisionDeps,
  type DecisionOptions,
  type DecisionOutcome,
  decideAndPublish,
  decideEach,
  isRealCalendarDay,
  isUuid,
} from "@drift/core";
import { createDecisionStore, createEventOutbox } from "@drift/db";
import { type Context, Hono } from "hono";
import * as z from "zod/mini";
import { type Principal, principalOf, scopeOf } from "./access/principal";
import { fail } from "./errors";
import type { AppContext } from "./options";
import { describeIssue } from "./validation";

/**
 * Decisions over HTTP: apply, dismiss (with reason and `until`), reopen, and bulk. Every one goes through the one
 * decision path (@drift/core decide), each id in its own transaction; the decider is recorded as `decided_by`.
 */

const decidedBody = (status: string, update: DecidedUpdate, at: string) => ({
  status,
  id: update.id,
  workspace_id: update.workspace_id,
  plugin_name: update.plugin_name,
  installed_sha: update.installed_sha,
  previous_sha: update.previous_sha,
  [at]: update.decided_at,
});

const STATUS_AT: Record<string, string> = {
  applied: "applied_at",
  already_applied: "applied_at",
  dismissed: "dismissed_at",
  already_dismissed: "dismissed_at",
  reopened: "reopened_at",
  rolled_back: "rolled_back_at",
  already_rolled_back: "rolled_back_at",
};

/** The HTTP rendering of a decision: 200 with the decided row, 404 unknown, 409 refused (with its code). */
export function decisionResponse(c: Context, id: string, outcome: DecisionOutcome): Response {
  if (outcome.kind === "not_found") return fail(c, 404, "not_found", `no plugin update ${id}`);
  if (outcome.kind === "conflict") return fail(c, 409, outcome.code, outcome.message);
  return c.json(decidedBody(outcome.kind, outcome.update, STATUS_AT[outcome.kind] ?? "decided_at"));
}

/** A bulk result entry: the same status or error code the single route would answer. */
function bulkEntry(id: string, outcome: DecisionOutcome) {
  if (outcome.kind === "not_found")
    return { id, error: { code: "not_found", message: `no plugin update ${id}` } };
  if (outcome.kind === "conflict") return { id, error: { code: outcome.code, message: outcome.message } };
  return { id, status: outcome.kind };
}

/** ISO-8601 date-time with an offset or Z; a time in the future. */
const until = z.string().check(
  z.maxLength(64),
  z.refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(v), {
    message: "until must be an ISO-8601 date-time with a time zone, e.g. 2026-12-31T00:00:00Z",
  }),
  z.refine((v) => isRealCalendarDay(v) && Number.isFinite(Date.parse(v)), {
    message: "until is not a real date-time",
  }),
  z.refine((v) => Date.parse(v) > Date.now(), { message: "until must be in the future" }),
);
const reason = z.string().check(z.maxLength(500, { message: "reason must be at most 500 characters" }));
/** ISO-8601 time in the future (also the MCP dismiss tool's `until`). */
export const untilSchema = until;
export const dismissBody = z.strictObject({ reason: z.optional(reason), until: z.optional(until) });
// Apply and reopen had no body before: other keys are ignored there, so existing clients keep working.
export const reasonBody = z.object({ reason: z.optional(reason) });
export const bulkBody = z.strictObject({
  action: z.enum(["apply", "dismiss", "rollback"]),
  ids: z
    .array(z.string().check(z.refine(isUuid, { message: "every id must be a UUID" })))
    .check(
      z.minLength(1, { message: "ids must hold 1 to 500 UUIDs" }),
      z.maxLength(500, { message: "ids must hold 1 to 500 UUIDs" }),
    ),
  reason: z.optional(reason),
  until: z.optional(until),
});

/** A JSON body, or {} when there is none; undefined when it is not JSON (the caller answers 400). */
async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

async function parseBody<T>(c: Context, schema: z.ZodMiniType<T>): Promise<Parsed<T>> {
  const body = await jsonBody(c);
  if (body === undefined) return { ok: false, response: fail(c, 400, "invalid_body", "body must be JSON") };
  const parsed = z.safeParse(schema, body);
  if (!parsed.success)
    return { ok: false, response: fail(c, 400, "invalid_body", describeIssue(parsed.error)) };
  return { ok: true, value: parsed.data };
}

/** Who decides (`decided_by`) and within which scope (another workspace's row is not found). */
export const optionsOf = (caller: Principal, body: { reason?: string; until?: string }): DecisionOptions => ({
  decidedBy: caller.decidedBy,
  ...(scopeOf(caller) ? { workspaceId: scopeOf(caller) } : {}),
  ...(body.reason !== undefined ? { reason: body.reason } : {}),
  ...(body.until !== undefined ? { until: new Date(body.until) } : {}),
});

/** Where a decision is stored and what it does after commit, wherever it was asked for (HTTP, bulk, MCP). */
export function decisionDeps(
  options: Pick<AppContext, "sql" | "notifier" | "logger" | "onDecision">,
): DecisionDeps {
  const { logger } = options;
  return {
    store: createDecisionStore(options.sql),
    outbox: createEventOutbox(options.sql),
    notifier: options.notifier,
    log: logger,
    onDecided: (decided) => {
      if (decided.kind === "applied") logger.info("plugin update applied", { ...decided.event });
      else if (decided.kind === "rolled_back") logger.info("plugin update rolled back", { ...decided.event });
      else logger.info("plugin update dismissed", { queue_id: decided.update.id });
      options.onDecision?.(decided.kind);
    },
  };
}

/** Apply, dismiss, reopen and bulk (authenticated by the parent app). */
export function decisionRoutes(options: AppContext): Hono {
  const app = new Hono();
  const deps = decisionDeps(options);

  const single = (action: DecisionAction, schema: z.ZodMiniType<{ reason?: string; until?: string }>) =>
    app.post(`/admin/plugin-updates/:id/${action}`, async (c) => {
      const id = c.req.param("id");
      if (!isUuid(id)) return fail(c, 400, "invalid_id", "id must be a UUID");
      const force = c.req.query("force");
      if (force !== undefined && force !== "true" && force !== "false")
        return fail(c, 400, "invalid_query", "force must be true or false");
      const body = await parseBody(c, schema);
      if (!body.ok) return body.response;
      const outcome = await decideAndPublish(deps, id, action, {
        ...optionsOf(principalOf(c), body.value),
        force: force === "true",
      });
      return decisionResponse(c, id, outcome);
    });
  single("apply", reasonBody);
  single("dismiss", dismissBody);
  single("reopen", reasonBody);
  single("rollback", reasonBody);

  app.post("/admin/plugin-updates/bulk", async (c) => {
    const body = await parseBody(c, bulkBody);
    if (!body.ok) return body.response;
    const { action, ids } = body.value;
    // One transaction per id, in request order (one refusal never blocks the others); then the events published.
    const outcomes = await decideEach(deps, ids, action, optionsOf(principalOf(c), body.value));
    return c.json({ results: outcomes.map((outcome, i) => bulkEntry(ids[i] as string, outcome)) });
  });
  return app;
}
