import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type FaultScope, Faults } from "./faults";
import { executeGraphql, githubGraphqlSchema } from "./graphql";
import { RateBucket } from "./rate-limit";
import { handleGiteaRest, handleGithubRest, type RestRequest, type SimResponse } from "./rest";
import { World } from "./world";

export interface GitHubSimOptions {
  /** Tokens the host accepts (`Authorization: token X` / `Bearer X`); unset: no authentication required. */
  readonly token?: string | readonly string[];
  /** Token handed out by `POST /app/installations/{id}/access_tokens` (GitHub App auth); it is accepted too. */
  readonly installationToken?: string;
  /** Added to every answer, in milliseconds. */
  readonly latencyMs?: number;
  /** Hourly GraphQL points (default 5000). */
  readonly graphqlBudget?: number;
  /** Hourly REST requests (default 5000). */
  readonly restBudget?: number;
  /** Start from an existing world (e.g. shared by the demo). */
  readonly world?: World;
  /** How many requests {@link GitHubSim.requests} keeps (default 5000). */
  readonly requestLogSize?: number;
}

/** Request counters, for tests and the benchmark to assert on. */
export interface SimCounters {
  graphql: number;
  /** GitHub REST requests (including `/api/v3`). */
  rest: number;
  /** Gitea `/api/v1` requests. */
  gitea: number;
  notModified: number;
  /** GraphQL points charged. */
  points: number;
  unauthorized: number;
  /** Answers that refused because of a rate limit (fault or exhausted budget). */
  rateLimited: number;
  /** Highest number of `repository` fields seen in one GraphQL query. */
  maxRepositoriesPerQuery: number;
  /** `METHOD /path` → count */
  byPath: Record<string, number>;
}

/** One logged request. GraphQL requests keep their document and variables (tests validate them). */
export interface SimRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly scope: Exclude<FaultScope, "any">;
  status: number;
  readonly ifNoneMatch?: string;
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
}

export interface GitHubSim {
  /** REST base URL (github.com style); GraphQL at `${url}/graphql`. */
  readonly url: string;
  readonly graphqlUrl: string;
  /** GHES-style REST base (`/api/v3`); its GraphQL is at `/api/graphql`. */
  readonly enterpriseUrl: string;
  /** Gitea/Forgejo API base (`/api/v1`). */
  readonly giteaUrl: string;
  /** `127.0.0.1:PORT`, the host part of a `gitea://HOST/OWNER/REPO` source served by this simulator. */
  readonly host: string;
  readonly world: World;
  readonly faults: Faults;
  readonly counters: SimCounters;
  readonly requests: SimRequestRecord[];
  readonly budgets: { readonly graphql: RateBucket; readonly core: RateBucket };
  setLatency(ms: number): void;
  resetCounters(): void;
  close(): Promise<void>;
}

const emptyCounters = (): SimCounters => ({
  graphql: 0,
  rest: 0,
  gitea: 0,
  notModified: 0,
  points: 0,
  unauthorized: 0,
  rateLimited: 0,
  maxRepositoriesPerQuery: 0,
  byPath: {},
});

const jsonResponse = (status: number, value: unknown, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(value),
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts a GitHub-compatible HTTP server on 127.0.0.1 (random port): GraphQL executed against GitHub's
 * published schema, the REST endpoints the resolver uses (with ETag/304), Gitea `/api/v1` equivalents,
 * rate-limit headers and budgets, counters, latency and injectable faults.
 *
 * @example
 * const sim = await startGitHubSim({ token: "t0k" });
 * sim.world.createRepo("acme/lint");
 * sim.world.tag("acme/lint", "v1.0.0", { annotated: true });
 * // … point the resolver at sim.url …
 * await sim.close();
 */
export async function startGitHubSim(options: GitHubSimOptions = {}): Promise<GitHubSim> {
  githubGraphqlSchema(); // build the schema before the first request (≈0.5 s), not during it
  const world = options.world ?? new World();
  const faults = new Faults();
  const budgets = {
    graphql: new RateBucket(options.graphqlBudget ?? 5000),
    core: new RateBucket(options.restBudget ?? 5000),
  };
  const tokens = new Set<string>(typeof options.token === "string" ? [options.token] : (options.token ?? []));
  if (options.installationToken) tokens.add(options.installationToken);
  const requireAuth = options.token !== undefined;
  let latency = options.latencyMs ?? 0;
  const logSize = options.requestLogSize ?? 5000;
  const sim = { counters: emptyCounters(), requests: [] as SimRequestRecord[] };
  let base = "";

  const authorized = (req: IncomingMessage): boolean => {
    if (!requireAuth) return true;
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    return m !== null && tokens.has(m[1] as string);
  };

  const faultResponse = (
    scope: Exclude<FaultScope, "any">,
    path: string,
  ): SimResponse | "hang" | undefined => {
    const fault = faults.take(
      ["hang", "status", "primaryRateLimit", "secondaryRateLimit", "html"],
      scope,
      path,
    );
    if (!fault) return undefined;
    switch (fault.kind) {
      case "hang":
        return "hang";
      case "html":
        return {
          status: fault.status ?? 200,
          headers: { "content-type": "text/html; charset=utf-8" },
          body: "<!DOCTYPE html><html><body><h1>Sign in to continue</h1></body></html>",
        };
      case "status":
        return jsonResponse(fault.status, {
          message: fault.message ?? (fault.status >= 500 ? "Server Error" : "Error"),
          status: String(fault.status),
        });
      case "primaryRateLimit": {
        const reset = Math.ceil(Date.now() / 1000) + (fault.resetInSeconds ?? 3600);
        sim.counters.rateLimited += 1;
        return jsonResponse(
          403,
          {
            message: "API rate limit exceeded for user ID 1.",
            documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
          },
          {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-reset": String(reset),
          },
        );
      }
      case "secondaryRateLimit":
        sim.counters.rateLimited += 1;
        return jsonResponse(
          fault.status ?? 429,
          {
            message:
              "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            documentation_url:
              "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          },
          { "retry-after": String(fault.retryAfterSeconds ?? 60) },
        );
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", base);
    const method = req.method ?? "GET";
    const rawPath = url.pathname;
    const body = method === "POST" || method === "PATCH" ? await readBody(req) : "";
    if (latency > 0) await sleep(latency);

    const isGraphql = method === "POST" && (rawPath === "/graphql" || rawPath === "/api/graphql");
    const scope: Exclude<FaultScope, "any"> = isGraphql
      ? "graphql"
      : rawPath.startsWith("/api/v1/")
        ? "gitea"
        : "rest";
    const counters = sim.counters;
    counters[scope] += 1;
    const pathKey = `${method} ${rawPath}`;
    counters.byPath[pathKey] = (counters.byPath[pathKey] ?? 0) + 1;
    const inm = req.headers["if-none-match"];
    const record: SimRequestRecord = {
      method,
      path: rawPath,
      scope,
      status: 0,
      ...(inm ? { ifNoneMatch: inm } : {}),
    };
    // The document is logged before faults answer, so tests can see what a faulted query asked for.
    let parsed: unknown;
    let parseFailed = false;
    if (isGraphql) {
      try {
        parsed = JSON.parse(body);
        const p = parsed as { query?: unknown; variables?: unknown } | null;
        if (typeof p?.query === "string") Object.assign(record, { query: p.query, variables: p.variables });
      } catch {
        parseFailed = true;
      }
    }
    if (sim.requests.length >= logSize) sim.requests.shift();
    sim.requests.push(record);

    const send = (r: SimResponse) => {
      record.status = r.status;
      if (r.status === 304) counters.notModified += 1;
      if (r.status === 401) counters.unauthorized += 1;
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    };

    const fault = faultResponse(scope, rawPath);
    if (fault === "hang") return; // never answered; close() destroys the socket
    if (fault) return send(fault);

    const isAppTokenRoute = /^(\/api\/v3)?\/app\/installations\/[^/]+\/access_tokens$/.test(rawPath);
    if (!isAppTokenRoute && !authorized(req)) {
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
      const outcome = executeGraphql({ world, faults, bucket: budgets.graphql }, parsed);
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
      base: `${base}${prefix}`,
    };
    if (gitea) return send(handleGiteaRest({ world }, restReq));
    if (!isAppTokenRoute && budgets.core.remaining <= 0) {
      counters.rateLimited += 1;
      return send(
        jsonResponse(
          403,
          { message: "API rate limit exceeded for user ID 1." },
          budgets.core.headers("core"),
        ),
      );
    }
    const answer = handleGithubRest(
      { world, bucket: budgets.core, installationToken: options.installationToken },
      restReq,
    );
    if (answer.charge !== false && !isAppTokenRoute) budgets.core.take(1);
    return send({ ...answer, headers: { ...answer.headers, ...budgets.core.headers("core") } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `simulator error: ${String(error)}` }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    graphqlUrl: `${base}/graphql`,
    enterpriseUrl: `${base}/api/v3`,
    giteaUrl: `${base}/api/v1`,
    host: `127.0.0.1:${port}`,
    world,
    faults,
    get counters() {
      return sim.counters;
    },
    get requests() {
      return sim.requests;
    },
    budgets,
    setLatency(ms: number) {
      latency = ms;
    },
    resetCounters() {
      sim.counters = emptyCounters();
      sim.requests = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
