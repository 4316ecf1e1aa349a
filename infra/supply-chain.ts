/**
 * Supply-chain observability (issue 12): the tag-integrity alarm and the dashboard panels for drift by kind,
 * auto-applied updates, rows cooling down and integrity events. Pure specifications: alarms.ts and dashboard.ts
 * add them to the rest.
 */
import { METRICS_NAMESPACE, Metric } from "../packages/core/src/metrics";
import { INTEGRITY_KINDS } from "../packages/core/src/policy";
import { onlyService, productLine } from "./product-metrics";

/** Drift kinds, the values of the `DriftKind` dimension of DriftDetected. */
export const DRIFT_KINDS = ["tag_moved", "new_version", "ref_moved", "pin_mismatch"] as const;

/** The stage's integrity events of one period, one query per kind, summed (missing kinds count as 0). */
function integrityQueries(stage: string, period: number) {
  return [
    ...INTEGRITY_KINDS.map((kind) => ({
      id: `integrity_${kind}`,
      returnData: false,
      metric: {
        namespace: METRICS_NAMESPACE,
        metricName: Metric.IntegrityEvents,
        dimensions: { service: onlyService(Metric.IntegrityEvents), stage, IntegrityKind: kind },
        stat: "Sum",
        period,
      },
    })),
    {
      id: "integrity",
      label: "tag-integrity events",
      returnData: true,
      expression: INTEGRITY_KINDS.map((k) => `FILL(integrity_${k}, 0)`).join(" + "),
    },
  ];
}

/** The alarm that fires on the stage's first tag-integrity event (see docs/operations.md). */
export function supplyChainAlarmSpecs(stage: string) {
  return [
    {
      name: "TagIntegrity",
      args: {
        alarmDescription:
          "A followed tag was re-pointed, deleted or re-created, or tag:latest went down a version. Nothing from that repository is auto-applied; check it before applying anything (drift integrity, GET /admin/integrity-events).",
        metricQueries: integrityQueries(stage, 300),
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
    },
  ];
}

/** Dashboard panels of one stage (title, widget properties, metric lines), two per row. */
export function supplyChainPanels(stage: string) {
  return [
    {
      title: "Drift detected by kind",
      props: { stat: "Sum", stacked: true },
      metrics: DRIFT_KINDS.map((kind) =>
        productLine(stage, Metric.DriftDetected, { label: kind }, ["DriftKind", kind]),
      ),
    },
    {
      title: "Tag-integrity events (alarm on the first)",
      props: { stat: "Sum", period: 300 },
      metrics: INTEGRITY_KINDS.map((kind) =>
        productLine(stage, Metric.IntegrityEvents, { label: kind }, ["IntegrityKind", kind]),
      ),
    },
    {
      title: "Updates auto-applied by policy",
      props: { stat: "Sum" },
      metrics: [productLine(stage, Metric.UpdatesAutoApplied, {})],
    },
    {
      title: "Updates cooling down (minimum release age)",
      props: { stat: "Maximum" },
      metrics: [productLine(stage, Metric.UpdatesCoolingDown, {})],
    },
  ];
}
