import { randomUUID } from "node:crypto";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { createEventBridgeNotifier } from "@drift/aws";
import { putPolicy } from "@drift/db";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { policyStepIn } from "../support/decisions";
import { sweep, useSweepEnvironment } from "../support/pipeline";
import { insertFollows } from "../support/seed";

// The worker Lambda's policy step as functions/worker.ts builds it: an auto-applied update's event is put on the
// bus as soon as the apply commits, not an hour later by the dispatcher's outbox retry.
const env = useSweepEnvironment();
const eventBridge = mockClient(EventBridgeClient);

beforeEach(async () => {
  eventBridge.reset();
  await env.db.sql`TRUNCATE drift_policies, drift_review_packets, drift_review_compares, drift_event_outbox`;
});

describe(`worker policy step with the EventBridge notifier (${dbLabel})`, () => {
  it("publishes plugin.update.applied for an auto-applied patch at once and marks the outbox row published", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });
    const w = env.sim.world;
    w.createRepo("bus/lint");
    const from = w.tag("bus/lint", "v2.0.0").commit;
    w.commit("bus/lint");
    const to = w.tag("bus/lint", "v2.0.1").commit;
    const workspace = randomUUID();
    await insertFollows(env.db.sql, workspace, [["lint", "bus/lint", "tag:latest", from]]);
    // Found and reviewed by a sweep while no policy allows anything: pending, nothing published.
    await sweep(env.db.sql, env.sim);
    const [pending] = await env.db.sql<{ id: string; target_key: string }[]>`
      SELECT id, target_key FROM plugin_update_queue WHERE workspace_id = ${workspace} AND status = 'pending'`;
    expect(pending).toBeDefined();

    const saved = await putPolicy(env.db.sql, { auto_apply: "patch" }, "cli");
    if (saved.kind !== "saved") throw new Error(saved.kind);
    const step = policyStepIn(env.db.sql, {
      defaultAgeMs: 0,
      notifier: createEventBridgeNotifier({
        client: new EventBridgeClient({ region: "eu-west-1" }),
        eventBusName: "drift-bus",
      }),
    });
    expect(await step([pending?.target_key as string])).toMatchObject({ autoApplied: 1 });

    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entry = calls[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ EventBusName: "drift-bus", DetailType: "plugin.update.applied" });
    expect(JSON.parse(entry?.Detail ?? "{}")).toMatchObject({
      workspace_id: workspace,
      plugin_name: "lint",
      from_sha: from,
      to_sha: to,
      queue_id: pending?.id,
    });
    const outbox = await env.db.sql<{ published: boolean }[]>`
      SELECT published_at IS NOT NULL AS published FROM drift_event_outbox`;
    expect(outbox).toEqual([{ published: true }]);
  });
});
