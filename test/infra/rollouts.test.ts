/**
 * The rollout tick's infrastructure (issue 22), evaluated against the recording fakes of the SST globals: its own
 * function on a 5-minute schedule, only the bus and its database login, the metrics, the panel and the alarm.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deploy } from "../../infra";
import { METRIC_SERVICE } from "../../infra/product-metrics";
import { ROLLOUT_SCHEDULE } from "../../infra/rollouts";
import { METRICS_NAMESPACE, Metric } from "../../packages/core/src/metrics";
import { type InfraFakes, installInfraFakes, type Recorded, resolve } from "../support/infra-fakes";

const ROOT = join(import.meta.dirname, "../..");
let fakes: InfraFakes | undefined;
afterEach(() => {
  fakes?.uninstall();
  fakes = undefined;
});

function deployed(stage = "prod") {
  fakes = installInfraFakes(stage);
  const outputs = deploy({}) as Record<string, unknown>;
  return { f: fakes, outputs, ticker: fakes.get("sst.aws.Function", "RolloutTicker") };
}

const envOf = (r: Recorded) => resolve(r.args.environment) as Record<string, string>;
const ROLLOUT_METRICS = [Metric.RolloutWavesStarted, Metric.RolloutsHalted, Metric.UpdatesRolledBack];

describe("rollout tick", () => {
  it("runs functions/rollout-tick.handler every 5 minutes, on the stage's schedule setting", () => {
    for (const [stage, enabled] of [
      ["prod", true],
      ["dev", false],
    ] as const) {
      const { f, outputs, ticker } = deployed(stage);
      expect(ticker.args.handler).toBe("functions/rollout-tick.handler");
      expect(readFileSync(join(ROOT, "functions/rollout-tick.ts"), "utf8")).toMatch(/export const handler\b/);
      const schedule = f.get("sst.aws.CronV2", "RolloutSchedule");
      expect(resolve(schedule.args)).toMatchObject({ schedule: ROLLOUT_SCHEDULE, enabled, event: {} });
      expect(ROLLOUT_SCHEDULE).toBe("rate(5 minutes)");
      expect(schedule.args.function).toBe(ticker.instance);
      expect(envOf(ticker)).toMatchObject({ POWERTOOLS_SERVICE_NAME: "rollout", DRIFT_STAGE: stage });
      expect(resolve(outputs.rolloutTickerFunctionName)).toBe(resolve(ticker.instance.name));
      fakes?.uninstall();
      fakes = undefined;
    }
  });

  it("may publish to the bus and log in as the application role, nothing else", () => {
    const { f, ticker } = deployed();
    const permissions = resolve(ticker.args.permissions) as { actions: string[]; resources: string[] }[];
    const bus = f.get("sst.aws.Bus", "Events");
    // The bus, and its database login's secret (the one the proxy knows, read at run time: issue 23).
    const appSecret = resolve(envOf(ticker).DRIFT_DB_SECRET_ARN);
    expect(permissions).toEqual([
      { actions: ["events:PutEvents"], resources: [resolve(bus.instance.arn)] },
      { actions: ["secretsmanager:GetSecretValue"], resources: [appSecret] },
    ]);
    expect(ticker.args.link).toEqual([f.get("sst.Linkable", "AppDatabase").instance]);
    const env = envOf(ticker);
    expect(env.DRIFT_EVENT_BUS_NAME).toBe(resolve(bus.instance.name));
    expect(Object.keys(env).filter((k) => /SECRET|QUEUE/.test(k))).toEqual(["DRIFT_DB_SECRET_ARN"]);
  });

  it("alarms on the stage's first halted rollout, from every service that halts one", () => {
    const { f } = deployed();
    const alarm = f.ofType("aws.cloudwatch.MetricAlarm").find((r) => r.name === "AlarmRolloutHalted");
    const args = resolve(alarm?.args) as {
      name: string;
      threshold: number;
      alarmActions: unknown[];
      metricQueries: {
        metric?: { metricName: string; dimensions: Record<string, string> };
        expression?: string;
      }[];
    };
    expect(args.name).toBe("plugin-drift-sweeper-prod-RolloutHalted");
    expect(args.threshold).toBe(0);
    expect(args.alarmActions).toEqual([resolve(f.get("sst.aws.SnsTopic", "Alarms").instance.arn)]);
    const services = args.metricQueries.flatMap((q) => (q.metric ? [q.metric.dimensions.service] : []));
    expect(services.sort()).toEqual([...METRIC_SERVICE.RolloutsHalted].sort());
    for (const q of args.metricQueries) if (q.metric) expect(q.metric.dimensions.stage).toBe("prod");
  });

  it("shows waves started, halts and rollbacks per stage on the dashboard", () => {
    const { f } = deployed("staging");
    const body = JSON.parse(
      resolve(f.get("aws.cloudwatch.Dashboard", "Dashboard").args.dashboardBody) as string,
    ) as {
      widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
    };
    const panel = body.widgets.find((w) => w.properties.title?.startsWith("Rollouts"));
    expect(panel).toBeDefined();
    const lines = body.widgets
      .flatMap((w) => w.properties.metrics ?? [])
      .filter((l) => l[0] === METRICS_NAMESPACE);
    for (const metric of ROLLOUT_METRICS) {
      const shown = lines.filter((l) => l[1] === metric);
      expect(shown.map((l) => l[3]).sort()).toEqual([...METRIC_SERVICE[metric]].sort());
      for (const l of shown) expect(l.slice(4, 6)).toEqual(["stage", "staging"]);
    }
  });

  it("counts what the code emits: the tick, the API and the worker name these metrics", () => {
    const tick = readFileSync(join(ROOT, "functions/rollout-tick.ts"), "utf8");
    expect(tick).toContain("ROLLOUT_METRIC.wave_started");
    expect(tick).toContain("ROLLOUT_METRIC.halted");
    expect(tick).toContain("ROLLOUT_METRIC.rolled_back");
    expect(readFileSync(join(ROOT, "functions/api.ts"), "utf8")).toContain("ROLLOUT_METRIC[event]");
    expect(readFileSync(join(ROOT, "functions/worker.ts"), "utf8")).toContain("ROLLOUT_METRIC.wave_started");
  });
});
