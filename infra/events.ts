/**
 * The EventBridge bus that tells the platform an update was applied (`plugin.update.applied`). The platform
 * subscribes with a rule on `source` and `detail-type` (both defined once, in packages/core
 * src/events/platform-events.ts: `EVENT_SOURCE`, `PLUGIN_UPDATE_APPLIED`), e.g. `bus.subscribe(...)` or a rule
 * in its own stack.
 */
export function createEventBus() {
  return new sst.aws.Bus("Events");
}

/** The IAM statement that lets a function publish to the bus and nothing else. */
export function publishTo(bus: sst.aws.Bus): sst.aws.FunctionPermissionArgs {
  return { actions: ["events:PutEvents"], resources: [bus.arn] };
}
