/** The `source` of every event the sweeper publishes. */
export const EVENT_SOURCE = "plugin-drift-sweeper";
/** The `detail-type` of the event the admin API sends after an update is applied (the platform listens for it: docs/contracts.md). */
export const UPDATE_APPLIED_DETAIL_TYPE = "plugin.update.applied";

/**
 * The EventBridge bus that tells the platform an update was applied (`plugin.update.applied`). The platform
 * subscribes with a rule on `source` and `detail-type`, e.g. `bus.subscribe(...)` or a rule in its own stack.
 */
export function createEventBus() {
  return new sst.aws.Bus("Events");
}

/** The IAM statement that lets a function publish to the bus and nothing else. */
export function publishTo(bus: sst.aws.Bus): sst.aws.FunctionPermissionArgs {
  return { actions: ["events:PutEvents"], resources: [bus.arn] };
}
