/** The events the sweeper announces to the platform (their source, types and details): docs/contracts.md. */

/** The `source` of every event the sweeper publishes (EventBridge `Source`; the platform's rules match on it). */
export const EVENT_SOURCE = "plugin-drift-sweeper";

/** The type of the event an apply announces. */
export const PLUGIN_UPDATE_APPLIED = "plugin.update.applied";

/** The detail of the {@link PLUGIN_UPDATE_APPLIED} event. */
export interface PluginUpdateApplied {
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly from_sha: string;
  readonly to_sha: string;
  readonly queue_id: string;
  /** ISO 8601. */
  readonly applied_at: string;
}
