/**
 * The supply-chain observability of issue 12, evaluated without AWS (recording fakes of the SST globals): the
 * tag-integrity alarm, the dashboard panels, and that every metric they name is emitted by the worker's code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deploy } from "../../infra";
import { DRIFT_KINDS } from "../../infra/supply-chain";
import { METRICS_NAMESPACE, Metric } from "../../packages/core/src/metrics";
import { INTEGRITY_KINDS } from "../../packages/core/src/policy";
import { type InfraFakes, installInfraFakes, resolve } from "../support/infra-fakes";

const ROOT = join(import.meta.dirname, "../..");
let fakes: InfraFakes | undefined;
afterEach(() => {
  fakes?.uninstall();
  fakes = undefined;
});

function deployed(env: Record<string, string> = {}) {
  fakes = installInfraFakes("prod");
  deploy(env);
  return fakes;
}

type Query = {
  id: string;
  expression?: string;
  metric?: { metricName: string; dimensions: Record<string, string> };
};

describe("supply-chain observability", () => {
  it("alarms on the first tag-integrity event of any kind, notifying the alarm topic", () => {
    const f = deployed();
    const alarm = f.ofType("aws.cloudwatch.MetricAlarm").find((r) => r.name === "AlarmTagIntegrity");
    const args = resolve(alarm?.args) as Record<string, unknown> & { metricQueries: Query[] };
    expect(args).toMatchObject({
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 1,
    });
    expect(args.alarmActions).toEqual([resolve(f.get("sst.aws.SnsTopic", "Alarms").instance.arn)]);
    const kinds = args.metricQueries.flatMap((q) =>
      q.metric?.metricName === Metric.IntegrityEvents ? [q.metric.dimensions.IntegrityKind] : [],
    );
    expect(kinds.sort()).toEqual([...INTEGRITY_KINDS].sort());
    // The stage's own series only: another stage's events never trip this stage's alarm.
    for (const q of args.metricQueries) if (q.metric) expect(q.metric.dimensions.stage).toBe("prod");
    const sum = args.metricQueries.find((q) => q.expression);
    for (const kind of INTEGRITY_KINDS) expect(sum?.expression).toContain(`FILL(integrity_${kind}, 0)`);
  });

  it("shows drift by kind, integrity events, auto-applied and cooling-down updates on the dashboard", () => {
    const f = deployed();
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
    expect(dims(Metric.DriftDetected)).toEqual(
      DRIFT_KINDS.map((k) => `service worker stage prod DriftKind ${k}`),
    );
    expect(dims(Metric.IntegrityEvents)).toEqual(
      INTEGRITY_KINDS.map((k) => `service worker stage prod IntegrityKind ${k}`),
    );
    expect(dims(Metric.UpdatesAutoApplied)).toEqual(["service worker stage prod"]);
    expect(dims(Metric.UpdatesCoolingDown)).toEqual(["service worker stage prod"]);
  });

  it("uses metric names the worker really emits, with the dimension names it emits them with", () => {
    // The worker's message step and the metric helpers it calls (usage-metrics.ts).
    const source = ["process-message.ts", "usage-metrics.ts"]
      .map((file) => readFileSync(join(ROOT, "packages/core/src", file), "utf8"))
      .join("\n");
    for (const metric of ["DriftDetected", "UpdatesAutoApplied", "UpdatesCoolingDown", "IntegrityEvents"])
      expect(source).toContain(`Metric.${metric}`);
    expect(source).toMatch(/Metric\.DriftDetected,[^)]*\{ DriftKind: /);
    expect(source).toMatch(/Metric\.IntegrityEvents,[^)]*\{ IntegrityKind: /);
  });

  it("gives the worker DRIFT_MIN_RELEASE_AGE and refuses a malformed one at deploy time", () => {
    const f = deployed({ DRIFT_MIN_RELEASE_AGE: "72h" });
    const worker = f.recordOf(f.ofType("sst.aws.Queue.subscribe")[0]?.args.subscriber);
    expect((resolve(worker.args.environment) as Record<string, string>).DRIFT_MIN_RELEASE_AGE).toBe("72h");
    fakes?.uninstall();
    fakes = undefined;
    expect(() => deployed({ DRIFT_MIN_RELEASE_AGE: "soon" })).toThrow(/DRIFT_MIN_RELEASE_AGE/);
  });
});
