import { startAdminServer } from "@drift/api/node-server";
import type { Log, Resolver } from "@drift/core";
import type { Sql } from "@drift/db";
import { type GitHubSim, startWebhookSender } from "@drift/github-sim";
import { createLocalWebhooks } from "../local-webhooks";

const DEMO_WEBHOOK_SECRET = "demo-webhook-secret";

/**
 * The demo's webhook step: the simulated GitHub sends a signed `push` to the webhook route `drift serve` exposes,
 * and the re-check turns it into a pending update in well under a second, with no sweep.
 */
export async function demoWebhookStep(
  out: (line?: string) => void,
  sql: Sql,
  sim: GitHubSim,
  resolver: Resolver,
  log: Log,
): Promise<void> {
  const [target] = await sql<{ owner: string; repo: string }[]>`
    SELECT t.owner, t.repo FROM drift_targets t
    WHERE t.provider = 'github' AND t.tracked_ref = 'branch:main'
      AND EXISTS (SELECT 1 FROM drift_plugin_targets m WHERE m.target_key = t.key)
    ORDER BY t.key LIMIT 1`;
  if (!target) return;
  const webhooks = createLocalWebhooks({
    sql,
    resolver,
    log,
    env: { GITHUB_WEBHOOK_SECRET: DEMO_WEBHOOK_SECRET },
  });
  const server = await startAdminServer(webhooks.app, { port: 0 });
  const sender = startWebhookSender(sim.world, {
    url: `${server.url}/webhooks/github`,
    secret: DEMO_WEBHOOK_SECRET,
    flavour: "github",
    webBase: sim.url,
  });
  try {
    const repo = `${target.owner}/${target.repo}`;
    const started = Date.now();
    const sha = sim.world.commit(repo, "main", "demo: a push");
    let rows = 0;
    while (rows === 0 && Date.now() - started < 10_000) {
      await sender.idle();
      await webhooks.idle();
      const [r] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM plugin_update_queue WHERE status = 'pending' AND latest_sha = ${sha}`;
      rows = r?.n ?? 0;
      if (rows === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const answer = sender.sent.find((d) => d.event === "push");
    out(
      `-- webhook: a push to ${repo}@main, signed POST /webhooks/github -> ${answer?.status} ${answer?.body ?? ""}`,
    );
    out(
      `  ${rows} pending update(s) now name ${sha.slice(0, 7)}, ${Date.now() - started} ms after the push (no sweep ran)`,
    );
    out();
  } finally {
    sender.stop();
    await server.close();
  }
}
