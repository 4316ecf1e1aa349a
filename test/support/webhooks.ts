import { randomUUID } from "node:crypto";
import { createWebhookApp } from "@drift/api/webhooks";
import { createWorkerHandler } from "@drift/aws";
import type { MessageQueue, SweepMessage } from "@drift/core";
import { createRecheckStore, createReviewStore, createSweepStore, type Sql } from "@drift/db";
import { type GitHubSim, signedDelivery, type WebhookFlavour, type World } from "@drift/github-sim";
import { InProcessQueue, MetricsCollector } from "@drift/local";
import { policyStepIn } from "./decisions";
import { quietLog, simResolver } from "./pipeline";
import { insertPlugins, mapAll } from "./seed";

export const SECRET = "whsec_test_0123456789abcdef";

/**
 * The webhook app wired as `drift serve` wires it (re-checks through the worker handler, in process), with a spy
 * on what reaches the queue.
 */
export function webhookHarness(
  sql: Sql,
  sim: GitHubSim,
  options: {
    windowMs?: number;
    targetsPerMessage?: number;
    maxBodyBytes?: number;
    secrets?: { github?: string; gitea?: string };
    /** Review packets and the policy step after each re-check message, as the AWS worker runs them. */
    policies?: boolean;
  } = {},
) {
  const metrics = new MetricsCollector();
  const worker = createWorkerHandler({
    store: createSweepStore(sql),
    resolver: simResolver(sim),
    metrics: { sink: metrics, flush() {} },
    log: quietLog,
    ...(options.policies
      ? { reviews: createReviewStore(sql), policies: policyStepIn(sql, { defaultAgeMs: 0 }) }
      : {}),
  });
  const inProcess = new InProcessQueue(worker);
  const sent: SweepMessage[] = [];
  const queue: MessageQueue = {
    async send(messages, sendOptions) {
      sent.push(...messages);
      await inProcess.send(messages, sendOptions);
    },
  };
  const app = createWebhookApp({
    store: createRecheckStore(sql),
    queue,
    secrets: options.secrets ?? { github: SECRET, gitea: SECRET },
    metrics,
    log: quietLog,
    recheck: { windowMs: options.windowMs ?? 1000, maxTargetsPerMessage: options.targetsPerMessage ?? 1000 },
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  /** POSTs a signed delivery (or one with the headers given) and returns status and JSON body. */
  const deliver = async (
    flavour: WebhookFlavour,
    event: string,
    payload: unknown,
    override: { secret?: string; deliveryId?: string; headers?: Record<string, string | null> } = {},
  ) => {
    const d = signedDelivery(flavour, override.secret ?? SECRET, event, payload, override.deliveryId);
    const headers: Record<string, string> = { ...d.headers };
    for (const [k, v] of Object.entries(override.headers ?? {})) {
      if (v === null) delete headers[k];
      else headers[k] = v;
    }
    const response = await app.request(`/webhooks/${flavour}`, { method: "POST", headers, body: d.body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { app, sent, metrics, deliver, idle: () => inProcess.idle() };
}

/** Empties the webhook tables (the sweep tables are emptied by useSweepEnvironment). */
export async function cleanWebhookTables(sql: Sql): Promise<void> {
  await sql`TRUNCATE drift_webhook_deliveries, drift_rechecks, drift_recheck_guards`;
}

/** The object a ref of a simulated repository points at. */
export const headOf = (world: World, repo: string, ref: string): string =>
  world.revParse(world.repo(repo), ref) as string;

/**
 * Installs plugins (name → tracked_ref) following `repo`, branch followers at the branch head and the others at
 * tag v1.0.0, in one new workspace; then runs the mapping pass only (no sweep, nothing resolved).
 */
export async function trackPlugins(
  sql: Sql,
  world: World,
  repo: string,
  refs: Record<string, string>,
  source = `github://${repo}`,
): Promise<void> {
  const ws = randomUUID();
  await insertPlugins(
    sql,
    Object.entries(refs).map(([plugin_name, tracked_ref]) => ({
      workspace_id: ws,
      plugin_name,
      source_raw: source,
      tracked_ref,
      installed_sha: headOf(
        world,
        repo,
        tracked_ref.startsWith("branch:") ? `refs/heads/${tracked_ref.slice(7)}` : "v1.0.0",
      ),
    })),
  );
  await mapAll(sql);
}

/** Pending rows as plugin_name → latest_sha. */
export async function pendingRows(sql: Sql): Promise<Record<string, string>> {
  const rows = await sql<{ plugin_name: string; latest_sha: string }[]>`
    SELECT plugin_name, latest_sha FROM plugin_update_queue WHERE status = 'pending' ORDER BY plugin_name`;
  return Object.fromEntries(rows.map((r) => [r.plugin_name, r.latest_sha]));
}
