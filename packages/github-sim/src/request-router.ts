import type { IncomingMessage, ServerResponse } from "node:http";
import { faultResponse } from "./fault-responses";
import type { FaultScope, Faults } from "./faults";
import { executeGraphql, precheckGraphql } from "./graphql";
import { jsonResponse } from "./json-response";
import type { RateBucket } from "./rate-limit";
import type { RequestLog } from "./request-log";
import { handleGiteaRest, handleGithubRest, type RestRequest, type SimResponse } from "./rest";
import type { World } from "./world";

/** What the request handler serves from; `latencyMs` and `base` may change after it is created. */
export interface SimState {
  readonly world: World;
  readonly faults: Faults;
  readonly budgets: { readonly graphql: RateBucket; readonly core: RateBucket };
  /** Accepted tokens; unset: no authentication required. */
  readonly tokens?: ReadonlySet<string>;
  readonly installationToken?: string;
  readonly log: RequestLog;
  latencyMs: number;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  base: string;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function authorized(state: SimState, req: IncomingMessage): boolean {
  if (!state.tokens) return true;
  const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return m !== null && state.tokens.has(m[1] as string);
}

/**
 * Answers one request: logs and counts it, applies a queued HTTP fault, checks credentials, then routes it to
 * GraphQL (`/graphql`, `/api/graphql`), Gitea REST (`/api/v1`) or GitHub REST (`/`, `/api/v3`), charging the
 * matching rate budget.
 */
export async function handleRequest(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // size: one request's whole path (faults, rate budget, route, log) in the order a real host applies them.
  const { world, faults, budgets, log } = state;
  const url = new URL(req.url ?? "/", state.base);
  const method = req.method ?? "GET";
  const rawPath = url.pathname;
  const body = method === "POST" || method === "PATCH" ? await readBody(req) : "";
  // The host's latency runs from arrival; a GraphQL document is checked meanwhile (checks are kept by text), as
  // GitHub's own work is part of its answer time, not added to it.
  const latency = state.latencyMs > 0 ? sleep(state.latencyMs) : undefined;
  if (latency && method === "POST") precheckGraphql(body);
  await latency;

  const isGraphql = method === "POST" && (rawPath === "/graphql" || rawPath === "/api/graphql");
  const scope: Exclude<FaultScope, "any"> = isGraphql
    ? "graphql"
    : rawPath.startsWith("/api/v1/")
      ? "gitea"
      : "rest";
  const inm = req.headers["if-none-match"];
  // The document is logged before faults answer, so tests can see what a faulted query asked for.
  let parsed: unknown;
  let parseFailed = false;
  let document = {};
  if (isGraphql) {
    try {
      parsed = JSON.parse(body);
      const p = parsed as { query?: unknown; variables?: unknown } | null;
      if (typeof p?.query === "string") document = { query: p.query, variables: p.variables };
    } catch {
      parseFailed = true;
    }
  }
  const record = log.record({
    method,
    path: rawPath,
    scope,
    ...(inm ? { ifNoneMatch: inm } : {}),
    ...document,
  });
  const counters = log.counters;

  const send = (r: SimResponse) => {
    log.answered(record, r.status);
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  };

  const fault = faultResponse(faults, counters, scope, rawPath, body);
  if (fault === "hang") return; // never answered; close() destroys the socket
  if (fault) return send(fault);

  const isAppTokenRoute = /^(\/api\/v3)?\/app\/installations\/[^/]+\/access_tokens$/.test(rawPath);
  if (!isAppTokenRoute && !authorized(state, req)) {
    return send(
      jsonResponse(401, {
        message: "Bad credentials",
        documentation_url: "https://docs.github.com/rest",
        status: "401",
      }),
    );
  }

  if (isGraphql) {
    if (parseFailed) {
      return send(
        jsonResponse(400, {
          message: "Problems parsing JSON",
          documentation_url: "https://docs.github.com/graphql",
        }),
      );
    }
    const outcome = executeGraphql({ world, faults, bucket: budgets.graphql, webBase: state.base }, parsed);
    counters.points += outcome.cost;
    counters.maxRepositoriesPerQuery = Math.max(counters.maxRepositoriesPerQuery, outcome.repositoryFields);
    const refused = (outcome.body as { errors?: { type?: string }[] }).errors?.some(
      (e) => e.type === "RATE_LIMITED",
    );
    if (refused) counters.rateLimited += 1;
    return send(jsonResponse(outcome.status, outcome.body, budgets.graphql.headers("graphql")));
  }

  const gitea = scope === "gitea";
  const prefix = gitea ? "/api/v1" : rawPath.startsWith("/api/v3/") ? "/api/v3" : "";
  let segments: string[];
  try {
    segments = rawPath.slice(prefix.length).split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return send(jsonResponse(400, { message: "Bad path" }));
  }
  const restReq: RestRequest = {
    method,
    segments,
    query: url.searchParams,
    headers: req.headers,
    base: `${state.base}${prefix}`,
  };
  if (gitea) return send(handleGiteaRest({ world }, restReq));
  if (!isAppTokenRoute && budgets.core.remaining <= 0) {
    counters.rateLimited += 1;
    return send(
      jsonResponse(403, { message: "API rate limit exceeded for user ID 1." }, budgets.core.headers("core")),
    );
  }
  const answer = handleGithubRest(
    { world, bucket: budgets.core, installationToken: state.installationToken },
    restReq,
  );
  if (answer.charge !== false && !isAppTokenRoute) budgets.core.take(1);
  return send({ ...answer, headers: { ...answer.headers, ...budgets.core.headers("core") } });
}
