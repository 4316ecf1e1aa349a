import type { StageSettings } from "./stage";

/** How often a sweep starts. */
export const SWEEP_SCHEDULE = "rate(1 hour)";

/**
 * The hourly sweep: EventBridge Scheduler (SST's `CronV2`; `Cron` is deprecated) invokes the dispatcher with
 * `{}`. The schedule exists on every stage and is only enabled where the settings say so.
 */
export function createSchedule(settings: StageSettings, dispatcher: sst.aws.Function) {
  return new sst.aws.CronV2("SweepSchedule", {
    function: dispatcher,
    schedule: SWEEP_SCHEDULE,
    event: {},
    enabled: settings.scheduleEnabled,
  });
}
