/**
 * Notification observability (issue 27): the alarm when a subscription has been failing for an hour, and the
 * dashboard panel of sent and failed deliveries. Pure specifications: alarms.ts and dashboard.ts add them. The
 * metrics come from the functions that drain the outbox (METRIC_SERVICE: dispatcher and worker), one series per
 * service, each queried with the stage's `stage` dimension.
 */
import { METRICS_NAMESPACE, Metric } from "../packages/core/src/metrics";
import { HOUR, METRIC_SERVICE, perServiceLines } from "./product-metrics";

/** Fires when some subscription's oldest undelivered message has been failing for an hour (see docs/operations.md). */
export function notificationAlarmSpecs(stage: string) {
  const services = METRIC_SERVICE[Metric.NotificationsFailing];
  return [
    {
      name: "NotificationsFailing",
      args: {
        alarmDescription:
          "A notification subscription has failed to deliver for an hour (its receiver answers errors, hangs or was refused). See GET /admin/notifications/{id}/deliveries or drift notify test; deliveries are retried for 24 hours.",
        metricQueries: [
          ...services.map((service) => ({
            id: `failing_${service}`,
            returnData: false,
            metric: {
              namespace: METRICS_NAMESPACE,
              metricName: Metric.NotificationsFailing,
              dimensions: { service, stage },
              stat: "Maximum",
              period: HOUR,
            },
          })),
          {
            id: "failing",
            label: "subscriptions failing for an hour",
            returnData: true,
            expression: `MAX([${services.map((s) => `FILL(failing_${s}, 0)`).join(", ")}])`,
          },
        ],
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
    },
  ];
}

/** The dashboard panels of notifications (title, widget properties, metric lines). */
export function notificationPanels(stage: string) {
  return [
    {
      title: "Notifications sent and failed attempts",
      props: { stat: "Sum" },
      metrics: [
        ...perServiceLines(stage, Metric.NotificationsSent, "sent"),
        ...perServiceLines(stage, Metric.NotificationsFailed, "failed attempts"),
      ],
    },
    {
      title: "Subscriptions failing for an hour (alarm above 0)",
      props: { stat: "Maximum" },
      metrics: perServiceLines(stage, Metric.NotificationsFailing, "failing"),
    },
  ];
}
