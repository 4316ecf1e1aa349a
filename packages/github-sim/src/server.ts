import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Faults } from "./faults";
import { githubGraphqlSchema } from "./graphql";
import { RateBucket } from "./rate-limit";
import { RequestLog, type SimCounters, type SimRequestRecord } from "./request-log";
import { handleRequest, type SimState } from "./request-router";
import { startWebhookSender, type WebhookSender, type WebhookSenderOptions } from "./webhook-sender";
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
  /** Send signed webhooks to these URLs whenever the world changes (`webBase` defaults to the simulator's URL). */
  readonly webhooks?: readonly (Omit<WebhookSenderOptions, "webBase"> & { webBase?: string })[];
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
  /** The webhook senders configured in the options, in order. */
  readonly webhooks: readonly WebhookSender[];
  setLatency(ms: number): void;
  resetCounters(): void;
  close(): Promise<void>;
}

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
  const tokens = new Set<string>(typeof options.token === "string" ? [options.token] : (options.token ?? []));
  if (options.installationToken) tokens.add(options.installationToken);
  const state: SimState = {
    world: options.world ?? new World(),
    faults: new Faults(),
    budgets: {
      graphql: new RateBucket(options.graphqlBudget ?? 5000),
      core: new RateBucket(options.restBudget ?? 5000),
    },
    tokens: options.token !== undefined ? tokens : undefined,
    installationToken: options.installationToken,
    log: new RequestLog(options.requestLogSize ?? 5000),
    latencyMs: options.latencyMs ?? 0,
    base: "",
  };
  const { log } = state;

  const server = createServer((req, res) => {
    handleRequest(state, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `simulator error: ${String(error)}` }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  state.base = base;
  const webhooks = (options.webhooks ?? []).map((w) =>
    startWebhookSender(state.world, { webBase: base, ...w }),
  );

  return {
    url: base,
    graphqlUrl: `${base}/graphql`,
    enterpriseUrl: `${base}/api/v3`,
    giteaUrl: `${base}/api/v1`,
    host: `127.0.0.1:${port}`,
    world: state.world,
    faults: state.faults,
    get counters(): SimCounters {
      return log.counters;
    },
    get requests(): SimRequestRecord[] {
      return log.requests;
    },
    budgets: state.budgets,
    webhooks,
    setLatency(ms: number) {
      state.latencyMs = ms;
    },
    resetCounters() {
      log.reset();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of webhooks) w.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
