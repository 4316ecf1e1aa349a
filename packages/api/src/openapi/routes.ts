import { policyInputSchema } from "@drift/core";
import * as z from "zod/mini";
import { tokenCreateBody } from "../access/token-routes";
import { bulkBody, dismissBody, reasonBody } from "../decisions";
import { eventsQuery } from "../policies";
import { failingQuery } from "../reporting";
import { ROLLOUT_ROUTE_DOCS } from "../rollout-docs";
import { recheckBody } from "../targets";
import { listQuery } from "../updates";
import { NOTIFICATION_ROUTE_DOCS } from "./notification-docs";
import * as r from "./responses";

/**
 * Every admin route as the OpenAPI document describes it: requests by the schemas the routes validate with
 * (imported from the route files), answers by ./responses.ts. test/api/openapi.test.ts fails when the app has a
 * route this list lacks.
 */
export interface RouteDoc {
  readonly method: "get" | "post" | "put" | "delete";
  /** OpenAPI form: `/admin/plugin-updates/{id}/apply`. */
  readonly path: string;
  readonly summary: string;
  /** 403 for a workspace token. */
  readonly operatorOnly?: boolean;
  /** No bearer token needed. */
  readonly public?: boolean;
  readonly query?: z.ZodMiniObject;
  readonly body?: z.ZodMiniType;
  /** Status → answer; errors are added from the route's kind. */
  readonly responses: Record<number, { readonly description: string; readonly schema?: z.ZodMiniType }>;
}

const forceQuery = z.strictObject({ force: z.optional(z.enum(["true", "false"])) });
const decided = (what: string) => ({ 200: { description: what, schema: r.decisionResult } });

export const ROUTE_DOCS: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/health",
    summary: "Liveness and database reachability",
    public: true,
    responses: { 200: { description: "ok", schema: r.health } },
  },
  {
    method: "get",
    path: "/admin/openapi.json",
    summary: "This document",
    public: true,
    responses: { 200: { description: "an OpenAPI 3.1 document" } },
  },
  {
    method: "get",
    path: "/admin/whoami",
    summary: "The caller: operator, or the workspace its token is limited to",
    responses: { 200: { description: "the caller", schema: r.whoami } },
  },
  {
    method: "get",
    path: "/admin/plugin-updates-pending",
    summary: "Pending updates, newest first (the original platform's route and shape)",
    responses: { 200: { description: "pending rows", schema: z.array(r.updateRow) } },
  },
  {
    method: "get",
    path: "/admin/plugin-updates",
    summary:
      "Queue rows filtered, paged, grouped (group=true), or the decision log newest first (history=true)",
    query: listQuery,
    responses: { 200: { description: "one page", schema: r.updatePage } },
  },
  {
    method: "post",
    path: "/admin/plugin-updates/{id}/apply",
    summary: "Install the approved latest_sha (409 when refused; force=true overrides cooling down)",
    query: forceQuery,
    body: reasonBody,
    responses: decided("applied or already applied"),
  },
  {
    method: "post",
    path: "/admin/plugin-updates/{id}/dismiss",
    summary: "Dismiss; the same drift is held until `until` (absent: for good)",
    body: dismissBody,
    responses: decided("dismissed or already dismissed"),
  },
  {
    method: "post",
    path: "/admin/plugin-updates/{id}/reopen",
    summary: "Make a dismissed update pending again",
    body: reasonBody,
    responses: decided("reopened"),
  },
  {
    method: "post",
    path: "/admin/plugin-updates/{id}/rollback",
    summary: "Roll an applied update back (its drift is then held until upstream moves on)",
    body: reasonBody,
    responses: decided("rolled back or already rolled back"),
  },
  ...ROLLOUT_ROUTE_DOCS,
  {
    method: "post",
    path: "/admin/plugin-updates/bulk",
    summary: "Decide up to 500 ids, each as its single route would, in request order",
    body: bulkBody,
    responses: { 200: { description: "one entry per id", schema: r.bulkResult } },
  },
  {
    method: "get",
    path: "/admin/targets/failing",
    summary: "Targets whose last lookup failed (a workspace token: the ones its plugins follow)",
    query: failingQuery,
    responses: { 200: { description: "failing targets", schema: r.failingTargets } },
  },
  {
    method: "post",
    path: "/admin/targets/recheck",
    summary:
      "Re-check one target now (queued at once where the server has a queue, else due at the next sweep)",
    operatorOnly: true,
    body: recheckBody,
    responses: { 202: { description: "queued, or made due", schema: r.recheckQueued } },
  },
  {
    method: "get",
    path: "/admin/counts",
    summary: "Pending updates per drift kind and workspaces, failing targets, integrity events (scoped)",
    responses: { 200: { description: "the counts", schema: r.pageCounts } },
  },
  {
    method: "get",
    path: "/admin/sweeps/latest",
    summary: "The latest sweep run with its counters",
    operatorOnly: true,
    responses: { 200: { description: "the latest sweep, or null", schema: r.latestSweep } },
  },
  {
    method: "get",
    path: "/admin/integrity-events",
    summary: "Tag-integrity events (a workspace token: of the repositories its plugins follow)",
    query: eventsQuery,
    responses: { 200: { description: "newest first", schema: r.integrityEvents } },
  },
  {
    method: "get",
    path: "/admin/policies",
    summary: "Supply-chain policies",
    operatorOnly: true,
    responses: { 200: { description: "every policy", schema: r.policyList } },
  },
  {
    method: "put",
    path: "/admin/policies",
    summary: "Create or replace one policy",
    operatorOnly: true,
    body: policyInputSchema(),
    responses: {
      200: { description: "replaced", schema: r.policy },
      201: { description: "created", schema: r.policy },
    },
  },
  {
    method: "delete",
    path: "/admin/policies/{id}",
    summary: "Delete a policy",
    operatorOnly: true,
    responses: { 200: { description: "deleted", schema: r.deleted } },
  },
  {
    method: "get",
    path: "/admin/tokens",
    summary: "Minted tokens, without secrets",
    operatorOnly: true,
    responses: { 200: { description: "every token", schema: r.tokenList } },
  },
  {
    method: "post",
    path: "/admin/tokens",
    summary: "Mint a token: the secret is in this answer only",
    operatorOnly: true,
    body: tokenCreateBody,
    responses: { 201: { description: "minted", schema: r.tokenCreated } },
  },
  {
    method: "delete",
    path: "/admin/tokens/{id}",
    summary: "Revoke a token (refused from the next request on)",
    operatorOnly: true,
    responses: { 200: { description: "revoked", schema: r.tokenRevoked } },
  },
  ...NOTIFICATION_ROUTE_DOCS,
  {
    method: "post",
    path: "/mcp",
    summary: "MCP over Streamable HTTP (stateless; JSON-RPC 2.0): the four plugin-update tools",
    body: r.jsonRpc,
    responses: { 200: { description: "a JSON-RPC answer", schema: r.jsonRpc } },
  },
];
