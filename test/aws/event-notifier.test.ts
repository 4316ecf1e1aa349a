import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { createEventBridgeNotifier, EventPublishError } from "@drift/aws";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";

const eventBridge = mockClient(EventBridgeClient);
beforeEach(() => eventBridge.reset());

const event = {
  id: "6f1c2d9e-0000-4000-8000-000000000001",
  type: "plugin.update.applied",
  detail: {
    workspace_id: "w",
    plugin_name: "lint",
    from_sha: "a".repeat(40),
    to_sha: "b".repeat(40),
    queue_id: "q",
  },
  time: new Date("2026-03-01T12:00:00Z"),
};
const notifier = (source?: string) =>
  createEventBridgeNotifier({
    client: new EventBridgeClient({ region: "eu-west-1" }),
    eventBusName: "bus",
    source,
  });

describe("EventBridge notifier", () => {
  it("sends one PutEvents entry: bus, source, detail-type, JSON detail, time", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });
    await notifier("acme.drift").publish(event);
    const input = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input;
    expect(input?.Entries).toEqual([
      {
        EventBusName: "bus",
        Source: "acme.drift",
        DetailType: "plugin.update.applied",
        Detail: JSON.stringify(event.detail),
        Time: event.time,
      },
    ]);
  });

  it("treats FailedEntryCount > 0 in a successful answer as a failure", async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" }],
    });
    const publishing = notifier().publish(event);
    await expect(publishing).rejects.toBeInstanceOf(EventPublishError);
    await expect(publishing).rejects.toThrow(/ThrottlingException Rate exceeded/);
  });

  it("lets a client error through (the outbox keeps the event)", async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error("socket hang up"));
    await expect(notifier().publish(event)).rejects.toThrow("socket hang up");
  });
});
