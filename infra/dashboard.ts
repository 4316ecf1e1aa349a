/**
 * The CloudWatch dashboard: what one sweep did (targets, drift, failures by kind), the GitHub rate budget, the
 * queue and DLQ, the functions' errors and the admin API's decisions. Pure: infra/observability.ts deploys it.
 */
import { METRICS_NAMESPACE, type MetricName } from "../packages/core/src/metrics";
import { type DashboardRefs, type Panel, productRows } from "./dashboard-panels";
import { notificationPanels } from "./notifications";
import type { MetricLine } from "./product-metrics";
import { HOUR } from "./product-metrics";
import { rolloutPanels } from "./rollouts";
import { supplyChainPanels } from "./supply-chain";

export type { DashboardRefs };

/** A CloudWatch dashboard widget (the subset of the dashboard body schema used here). */
export interface DashboardWidget {
  readonly type: "metric" | "text";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown> & { metrics?: MetricLine[] };
}

/**
 * The dashboard body (CloudWatch dashboard JSON). Pure, so tests can read which metrics it shows. Rows read top
 * to bottom as operators see the dashboard: the sweep, the pipeline under it, the admin API, webhooks, the
 * supply chain, rollouts, notifications.
 *
 * @example
 * new aws.cloudwatch.Dashboard("Dashboard", { dashboardName, dashboardBody: JSON.stringify(dashboardBody(refs)) });
 */
export function dashboardBody(refs: DashboardRefs): { widgets: DashboardWidget[] } {
  const supplyChain = [
    ...supplyChainPanels(refs.stage),
    ...rolloutPanels(refs.stage),
    ...notificationPanels(refs.stage),
  ];
  const rows: Panel[][] = [
    ...productRows(refs),
    ...Array.from({ length: Math.ceil(supplyChain.length / 2) }, (_, i) =>
      supplyChain.slice(2 * i, 2 * i + 2),
    ),
  ];
  const title: DashboardWidget = {
    type: "text",
    x: 0,
    y: 0,
    width: 24,
    height: 2,
    properties: {
      markdown: `## Plugin drift sweeper — ${refs.stage}\nHourly sweeps: dispatcher → SQS → workers → Postgres. Alarms notify the SNS topic in the stage outputs.`,
    },
  };
  return { widgets: [title, ...layout(rows, refs.region, 2)] };
}

/** Rows of panels as widgets: each row 6 high, its panels side by side over the 24 columns. */
function layout(rows: readonly Panel[][], region: string, top: number): DashboardWidget[] {
  const hourly = { region, period: HOUR, view: "timeSeries", stacked: false };
  return rows.flatMap((items, r) => {
    const width = 24 / items.length;
    return items.map((item, i) => ({
      type: "metric" as const,
      x: i * width,
      y: top + 6 * r,
      width,
      height: 6,
      properties: { ...hourly, title: item.title, ...item.props, metrics: item.metrics },
    }));
  });
}

/** The names of the product metrics a dashboard body shows (lines in METRICS_NAMESPACE). */
export function productMetricsOf(body: { widgets: readonly DashboardWidget[] }): MetricName[] {
  const names = new Set<string>();
  for (const widget of body.widgets) {
    for (const line of widget.properties.metrics ?? []) {
      if (line[0] === METRICS_NAMESPACE && typeof line[1] === "string") names.add(line[1]);
    }
  }
  return [...names] as MetricName[];
}
