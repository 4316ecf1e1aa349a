import { createWebhookApp } from "@drift/api/webhooks";
import { createWorkerHandler } from "@drift/aws";
import type { MessageQueue, SweepMessage } from "@drift/core";
import { createRecheckStore, createSweepStore, type Sql } from "@drift/db";
import { type GitHubSim, signedDelivery, type WebhookFlavour } from "@drift/github-sim";
import { InProcessQueue, MetricsCollector } from "@drift/local";
import { quietLog, simResolver } from "./pipeline";

export const SECRET = "whsec_test_0123456789abcdef";

/**
 * The webhook app wired as `drift serve` wires it (re-checks through the worker handler, in process), with a spy
 * on what reaches the queue.
 */
export function webhookHarness(
  sql: Sql,
  sim: GitHubSim,
  options: { windowMs?: number; maxBodyBytes?: number; secrets?: { github?: string; gitea?: string } } = {},
) {
  const metrics = new MetricsCollector();
  const worker = createWorkerHandler({
    store: createSweepStore(sql),
    resolver: simResolver(sim),
    metrics: { sink: metrics, flush() {} },
    log: quietLog,
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
    recheck: { windowMs: options.windowMs ?? 1000 },
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
