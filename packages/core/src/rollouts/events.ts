import { Metric } from "../metrics";
/** The events of safe delivery (issue 22), written to the outbox with the change they announce. */

/** The type of the event a rollback announces. */
export const PLUGIN_UPDATE_ROLLED_BACK = "plugin.update.rolled_back";

/** The detail of the {@link PLUGIN_UPDATE_ROLLED_BACK} event: the plugin is back on `to_sha`. */
export interface PluginUpdateRolledBack {
  readonly workspace_id: string;
  readonly plugin_name: string;
  /** The commit the update had installed (the queue row's latest_sha). */
  readonly from_sha: string;
  /** The commit installed again (the queue row's current_sha). */
  readonly to_sha: string;
  readonly queue_id: string;
  /** ISO 8601. */
  readonly rolled_back_at: string;
  readonly decided_by: string;
}

export const ROLLOUT_WAVE_STARTED = "plugin.rollout.wave_started";
export const ROLLOUT_HALTED = "plugin.rollout.halted";
export const ROLLOUT_COMPLETED = "plugin.rollout.completed";

/** The metric each rollout observation counts (stage dimension added by the sink). */
export const ROLLOUT_METRIC = {
  wave_started: Metric.RolloutWavesStarted,
  halted: Metric.RolloutsHalted,
  rolled_back: Metric.UpdatesRolledBack,
} as const;

export type RolloutEventType = typeof ROLLOUT_WAVE_STARTED | typeof ROLLOUT_HALTED | typeof ROLLOUT_COMPLETED;
