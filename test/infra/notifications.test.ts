/**
 * Notification observability of issue 27, evaluated without AWS (recording fakes of the SST globals): the alarm
 * when a subscription has failed for an hour, the dashboard panel, per stage, and that the code emits the metrics.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deploy } from "../../infra";
import { METRICS_NAMESPACE, Metric } from "../../packages/core/src/metrics";
import { type InfraFakes, installInfraFakes, resolve } from "../support/infra-fakes";

const ROOT = join(import.meta.dirname, "../..");
let fakes: InfraFakes | undefined;
afterEach(() => {
  fakes?.uninstall();
  fakes = undefined;
});

function deployed(stage: string) {
  fakes = installInfraFakes(stage);
  deploy({});
  return fakes;
}

type Query = {
  id: string;
  expression?: string;
  metric?: { metricName: string; dimensions: Record<string, string> };
};

describe("notification observability", () => {
  it.each(["prod", "dev"])(
    "alarms (stage %s) when a subscription has failed for an hour, on that stage only",
    (stage) => {
      const f = deployed(stage);
      const alarm = f
        .ofType("aws.cloudwatch.MetricAlarm")
        .find((r) => r.name === "AlarmNotificationsFailing");
      const args = resolve(alarm?.args) as Record<string, unknown> & { metricQueries: Query[] };
      expect(args).toMatchObject({
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
      });
      expect(args.alarmActions).toEqual([resolve(f.get("sst.aws.SnsTopic", "Alarms").instance.arn)]);
      const series = args.metricQueries.flatMap((q) => (q.metric ? [q.metric] : []));
      expect(series.map((m) => `${m.metricName} ${m.dimensions.service} ${m.dimensions.stage}`)).toEqual([
        `NotificationsFailing dispatcher ${stage}`,
        `NotificationsFailing worker ${stage}`,
      ]);
      expect(args.metricQueries.find((q) => q.expression)?.expression).toBe(
        "MAX([FILL(failing_dispatcher, 0), FILL(failing_worker, 0)])",
      );
    },
  );

  it("shows sent and failed notifications per emitting function on the dashboard", () => {
    const f = deployed("prod");
    const body = JSON.parse(
      resolve(f.get("aws.cloudwatch.Dashboard", "Dashboard").args.dashboardBody) as string,
    ) as {
      widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
    };
    const lines = body.widgets
      .flatMap((w) => w.properties.metrics ?? [])
      .filter((l) => l[0] === METRICS_NAMESPACE);
    const dims = (metric: string) =>
      lines.filter((l) => l[1] === metric).map((l) => l.slice(2, -1).join(" "));
    for (const metric of [
      Metric.NotificationsSent,
      Metric.NotificationsFailed,
      Metric.NotificationsFailing,
    ]) {
      expect(dims(metric)).toEqual(["service dispatcher stage prod", "service worker stage prod"]);
    }
  });

  it("the delivery use case emits the metrics, and the dispatcher and worker run it with their metrics", () => {
    const source = readFileSync(join(ROOT, "packages/core/src/notifications/notify-deliver.ts"), "utf8");
    for (const metric of ["NotificationsSent", "NotificationsFailed", "NotificationsFailing"])
      expect(source).toContain(`Metric.${metric}`);
    for (const fn of ["dispatcher", "worker"]) {
      expect(readFileSync(join(ROOT, `functions/${fn}.ts`), "utf8")).toMatch(
        /lambdaNotifications\(sql, config, \{ log, metrics: handlerMetrics\.sink \}\)/,
      );
    }
  });
});

describe("the admin page link of notifications", () => {
  it("gives DRIFT_ADMIN_URL to the functions that send, and refuses one that is not https", () => {
    fakes = installInfraFakes("prod");
    deploy({ DRIFT_ADMIN_URL: "https://drift.example.com/admin/" });
    const worker = fakes.recordOf(fakes.ofType("sst.aws.Queue.subscribe")[0]?.args.subscriber);
    expect((resolve(worker.args.environment) as Record<string, string>).DRIFT_ADMIN_URL).toBe(
      "https://drift.example.com/admin/",
    );
    fakes.uninstall();
    fakes = installInfraFakes("prod");
    expect(() => deploy({ DRIFT_ADMIN_URL: "http://drift.example.com/" })).toThrow(
      /DRIFT_ADMIN_URL must be an https/,
    );
  });
});
