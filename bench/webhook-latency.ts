/**
 * Webhook detection latency (issue 13): from a push on the simulated GitHub to the pending row in Postgres,
 * through the whole local path — the simulator's signed `push` over HTTP to the webhook route `drift serve`
 * exposes, dedupe, affected targets, the in-process queue, the sweep's worker handler, the real resolver (GraphQL
 * with `BENCH_WEBHOOK_LATENCY_MS` of simulated host latency, default 100) and the drift upsert. Median over
 * `BENCH_WEBHOOK_DELIVERIES` pushes (default 20), each in a quiet period (coalescing window 0, so they can run
 * back to back), and the host API requests each delivery cost.
 */
import { startAdminServer } from "@drift/api/node-server";
import { type Log, silentLog } from "@drift/core";
import { emptyProductTables, type Sql } from "@drift/db";
import { createHostResolver } from "@drift/github";
import { startGitHubSim, startWebhookSender } from "@drift/github-sim";
import { createLocalWebhooks, runLocalSweep } from "@drift/local";
import { median } from "./common";

const quiet: Log = silentLog;
const TOKEN = "bench-token";
const SECRET = "bench-webhook-secret";

/** Delivery to pending row, per signed push. */
export interface WebhookLatency {
  readonly latencyMs: number;
  readonly deliveries: number;
  readonly medianMs: number;
  readonly maxMs: number;
  readonly requestsMedian: number;
  readonly requestsMax: number;
}

/** Runs the webhook latency benchmark on `sql`, prints its lines and returns its figures. */
export async function webhookLatency(sql: Sql, kind: string): Promise<WebhookLatency> {
  const latencyMs = Number(process.env.BENCH_WEBHOOK_LATENCY_MS ?? 100);
  const deliveries = Number(process.env.BENCH_WEBHOOK_DELIVERIES ?? 20);
  await emptyProductTables(sql);
  const sim = await startGitHubSim({ token: TOKEN });
  const repo = "bench-hooks/plugin";
  sim.world.createRepo(repo);
  sim.world.tag(repo, "v1.0.0");
  const main = sim.world.revParse(sim.world.repo(repo), "refs/heads/main") as string;
  // 50 workspaces follow main; others follow the tag list and another repository (not re-checked by a push).
  await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
    SELECT gen_random_uuid(), 'p', 'github://' || ${repo}, CASE WHEN g % 2 = 0 THEN 'branch:main' ELSE 'tag:latest' END,
      ${main} FROM generate_series(1, 100) g`;
  const resolver = createHostResolver({ githubApiUrl: sim.url, auth: { token: TOKEN }, logger: quiet });
  await runLocalSweep({ sql, resolver, log: quiet }); // the mapping pass and a baseline, as in production
  sim.setLatency(latencyMs);

  const webhooks = createLocalWebhooks({
    sql,
    resolver,
    log: quiet,
    env: { GITHUB_WEBHOOK_SECRET: SECRET, DRIFT_RECHECK_WINDOW_MS: "0" },
  });
  const server = await startAdminServer(webhooks.app, { port: 0 });
  const sender = startWebhookSender(sim.world, {
    url: `${server.url}/webhooks/github`,
    secret: SECRET,
    flavour: "github",
    webBase: sim.url,
  });
  const times: number[] = [];
  const requests: number[] = [];
  try {
    for (let i = 0; i < deliveries; i++) {
      const before = sim.counters.graphql + sim.counters.rest;
      const started = performance.now();
      const sha = sim.world.commit(repo, "main", `bench ${i}`);
      await sender.idle(); // the delivery answered (202)
      await webhooks.idle(); // the re-check recorded
      times.push(performance.now() - started);
      requests.push(sim.counters.graphql + sim.counters.rest - before);
      const [row] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM plugin_update_queue WHERE status = 'pending' AND latest_sha = ${sha}`;
      if (row?.n !== 50)
        throw new Error(`delivery ${i}: expected 50 pending rows at ${sha}, found ${row?.n}`);
    }
  } finally {
    sender.stop();
    await server.close();
    await sim.close();
  }
  const med = median(times);
  console.log(
    `\n## Webhook detection latency (${kind}; simulated host latency ${latencyMs} ms; ${deliveries} pushes)\n` +
      `delivery -> pending row: median ${med.toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms ` +
      `(target < 1 s: ${med < 1000 ? "met" : "MISSED"})\n` +
      `host API requests per delivery: median ${median(requests)}, max ${Math.max(...requests)} ` +
      `(one GraphQL query re-checks the 1 affected target for 50 workspaces)`,
  );
  return {
    latencyMs,
    deliveries,
    medianMs: Math.round(med),
    maxMs: Math.round(Math.max(...times)),
    requestsMedian: median(requests),
    requestsMax: Math.max(...requests),
  };
}
