/**
 * What operators watch: one CloudWatch dashboard (infra/dashboard.ts), eight alarms (infra/alarms.ts), and the SNS
 * topic the alarms notify. Which function emits which metric: infra/product-metrics.ts.
 */
import { alarmSpecs } from "./alarms";
import { dashboardBody } from "./dashboard";
import type { StageSettings } from "./stage";

// Re-exported: callers (test/infra/stack.test.ts) import the pieces from here, as before the split.
export {
  type AlarmRefs,
  type AlarmSpec,
  alarmSpecs,
  FAILURE_RATIO_MIN_TARGETS,
  FAILURE_RATIO_THRESHOLD,
} from "./alarms";
export { type DashboardRefs, type DashboardWidget, dashboardBody, productMetricsOf } from "./dashboard";
export { COUNTED_FAILURE_KINDS, METRIC_SERVICE, type MetricService } from "./product-metrics";

/** Deployed references the alarms and the dashboard need. */
export interface ObservedResources {
  readonly dispatcherFunctionName: $util.Input<string>;
  readonly workerFunctionName: $util.Input<string>;
  readonly apiFunctionName: $util.Input<string>;
  readonly queueName: $util.Input<string>;
  readonly dlqName: $util.Input<string>;
}

/**
 * The SNS topic, the dashboard and the alarms. Alarm actions are enabled where the schedule runs: an idle
 * development stage has no sweeps and must not page anyone.
 */
export function createObservability(settings: StageSettings, refs: ObservedResources) {
  const topic = new sst.aws.SnsTopic("Alarms");
  if (settings.alarmEmail) {
    new aws.sns.TopicSubscription("AlarmsEmail", {
      topic: topic.arn,
      protocol: "email",
      endpoint: settings.alarmEmail,
    });
  }

  const prefix = `${$app.name}-${$app.stage}`;
  const region = aws.getRegionOutput().region;
  const dashboard = new aws.cloudwatch.Dashboard("Dashboard", {
    dashboardName: prefix,
    dashboardBody: $resolve([
      region,
      refs.dispatcherFunctionName,
      refs.workerFunctionName,
      refs.apiFunctionName,
      refs.queueName,
      refs.dlqName,
    ]).apply(([region, dispatcherFunctionName, workerFunctionName, apiFunctionName, queueName, dlqName]) =>
      JSON.stringify(
        dashboardBody({
          region,
          stage: $app.stage,
          dispatcherFunctionName,
          workerFunctionName,
          apiFunctionName,
          queueName,
          dlqName,
          rateBudgetLowThreshold: settings.rateBudgetLowThreshold,
        }),
      ),
    ),
  });

  const alarms = alarmSpecs(settings, refs).map(
    (spec) =>
      new aws.cloudwatch.MetricAlarm(`Alarm${spec.name}`, {
        ...spec.args,
        name: `${prefix}-${spec.name}`,
        actionsEnabled: settings.scheduleEnabled,
        alarmActions: [topic.arn],
        okActions: [topic.arn],
      }),
  );
  return { topic, dashboard, alarms };
}
