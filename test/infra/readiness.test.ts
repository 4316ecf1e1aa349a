/**
 * Issue 16, as the infrastructure says it (evaluated with the recording fakes): stages kept apart in every
 * alarm, the application role for every function but migrate, verified TLS, the dispatcher's measured limits
 * and its alarms, and a migrate function that never runs live under `sst dev`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DISPATCHER_SLOW_SECONDS, DISPATCHER_TIMEOUT_SECONDS } from "../../infra/functions/dispatcher";
import { APP_ROLE, AWS_SSLMODE, MIGRATE_MAX_WAIT_MS } from "../../packages/aws/src/runtime-env";
import { METRICS_NAMESPACE } from "../../packages/core/src/metrics";
import { deployStage, functionsOf, seconds, uninstallInfra } from "../support/infra-deploy";
import { type InfraFakes, resolve } from "../support/infra-fakes";

afterEach(uninstallInfra);

interface AlarmMetric {
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, string>;
}

/** Every metric an alarm reads: its own, or those of its metric-math queries. */
function alarmMetrics(f: InfraFakes): { alarm: string; metric: AlarmMetric }[] {
  return f.ofType("aws.cloudwatch.MetricAlarm").flatMap((record) => {
    const args = resolve(record.args) as AlarmMetric & { metricQueries?: { metric?: AlarmMetric }[] };
    const metrics = args.metricQueries
      ? args.metricQueries.flatMap((q) => (q.metric ? [q.metric] : []))
      : [{ namespace: args.namespace, metricName: args.metricName, dimensions: args.dimensions }];
    return metrics.map((metric) => ({ alarm: record.name, metric }));
  });
}

const properties = (f: InfraFakes, link: string) =>
  resolve((f.get("sst.Linkable", link).args as { properties: unknown }).properties) as Record<
    string,
    unknown
  >;

describe("stages kept apart", () => {
  it("every alarm on a product metric names its own stage's `stage` dimension", () => {
    for (const stage of ["prod", "alice"]) {
      const { fakes: f } = deployStage(stage);
      const product = alarmMetrics(f).filter((m) => m.metric.namespace === METRICS_NAMESPACE);
      expect(product.length).toBeGreaterThanOrEqual(8);
      for (const { alarm, metric } of product) {
        expect(metric.dimensions?.stage, `${alarm} ${metric.metricName}`).toBe(stage);
      }
      // The other alarms watch per-stage resources (a stage's own queue or function), named by the stage.
      for (const { alarm, metric } of alarmMetrics(f).filter(
        (m) => m.metric.namespace !== METRICS_NAMESPACE,
      )) {
        // A metric taken from a log group (no fixed dimension possible) carries the stage in its name.
        const [resource] = Object.values(metric.dimensions ?? {});
        expect(resource ?? metric.metricName, alarm).toContain(`-${stage}-`);
      }
      uninstallInfra();
    }
  });

  it("every function is told its stage (the metrics' default dimension)", () => {
    const { fakes: f } = deployStage("alice");
    for (const fn of f.ofType("sst.aws.Function")) {
      expect((resolve(fn.args.environment) as Record<string, string>).DRIFT_STAGE, fn.name).toBe("alice");
    }
  });
});

describe("database logins and TLS", () => {
  it("dispatcher, worker and API log in as the application role; only migrate gets the owner", () => {
    const { fakes: f } = deployStage("prod");
    const owner = f.get("sst.aws.Postgres", "Database").instance;
    const app = f.get("sst.Linkable", "AppDatabase");
    const { subscribe: _s, migrate, ...others } = functionsOf(f);
    for (const [service, fn] of Object.entries(others)) {
      expect(fn.args.link, service).toEqual([app.instance]);
    }
    expect(migrate.args.link).toEqual([owner, app.instance]);
    const login = properties(f, "AppDatabase");
    expect(login).toMatchObject({ username: APP_ROLE, sslmode: AWS_SSLMODE });
    // Its password is the one kept in its Secrets Manager secret and registered with the proxy.
    const version = f.get("aws.secretsmanager.SecretVersion", "AppDbCredentialsValue");
    const stored = JSON.parse(String(resolve(version.instance.secretString))) as Record<string, string>;
    expect(stored).toEqual({ username: APP_ROLE, password: login.password });
    expect(resolve(version.args.secretId)).toBe(
      resolve(f.get("aws.secretsmanager.Secret", "AppDbCredentials").instance.id),
    );
    // Drawn once: later deploys draw another password, which must not replace the stored one.
    expect(version.opts?.ignoreChanges).toEqual(["secretString"]);
    // The proxy authenticates the role with this very secret (no SST copy): test/infra/components.test.ts.
    expect(resolve(f.get("sst.aws.Postgres", "Database").args.proxy)).toBe(true);
  });

  it("external database: the application role's own secret when given", () => {
    const { fakes: f } = deployStage("prod", {
      DRIFT_DATABASE: "external",
      DRIFT_EXTERNAL_DB_HOST: "platform.proxy-abc.eu-west-1.rds.amazonaws.com",
      DRIFT_EXTERNAL_DB_NAME: "platform",
      DRIFT_EXTERNAL_DB_SECRET_ARN: "arn:owner",
      DRIFT_EXTERNAL_DB_APP_SECRET_ARN: "arn:app",
      DRIFT_VPC_PRIVATE_SUBNETS: "subnet-a",
      DRIFT_VPC_SECURITY_GROUPS: "sg-1",
    });
    expect(properties(f, "AppDatabase")).toMatchObject({ password: "pw-from-arn:app", sslmode: AWS_SSLMODE });
    expect(properties(f, "Database")).toMatchObject({ password: "pw-from-arn:owner", sslmode: AWS_SSLMODE });
  });

  it("connects with TLS verified (verify-full), and the bundled proxy refuses connections without TLS", () => {
    const { fakes: f } = deployStage("prod");
    expect(properties(f, "AppDatabase").sslmode).toBe("verify-full");
    // The proxy's requireTls and the database's rds.force_ssl=1 are set in SST's transforms: asserted on the
    // resources SST's real component creates, in test/infra/components.test.ts.
    expect(Object.keys(f.get("sst.aws.Postgres", "Database").args.transform as object).sort()).toEqual([
      "instance",
      "parameterGroup",
      "proxy",
    ]);
  });
});

describe("the dispatcher, sized for a million rows", () => {
  it("has the measured limits (docs/deploy.md) and alarms on its errors and on a duration near the timeout", () => {
    const { fakes: f } = deployStage("prod");
    const { dispatcher } = functionsOf(f);
    expect(seconds(dispatcher.args.timeout)).toBe(DISPATCHER_TIMEOUT_SECONDS);
    // 835 MiB measured worst case: 1,536 MB, with a memory alarm at 80 % (test/infra/components.test.ts).
    expect(dispatcher.args.memory).toBe("1536 MB");
    // The slowest first sweep of 1,000,000 rows measured at 1,024 MB took 78 s: seven times that fits.
    expect(DISPATCHER_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(7 * 78);
    const name = resolve(dispatcher.instance.name);
    const alarms = new Map(
      f.ofType("aws.cloudwatch.MetricAlarm").map((r) => [r.name, resolve(r.args) as Record<string, unknown>]),
    );
    expect(alarms.get("AlarmDispatcherErrors")).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: name },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    const slow = alarms.get("AlarmDispatcherSlow");
    expect(slow).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Duration",
      statistic: "Maximum",
      dimensions: { FunctionName: name },
      comparisonOperator: "GreaterThanThreshold",
    });
    expect(slow?.threshold).toBe(DISPATCHER_SLOW_SECONDS * 1000);
    expect(DISPATCHER_SLOW_SECONDS).toBeLessThan(DISPATCHER_TIMEOUT_SECONDS);
    expect(DISPATCHER_SLOW_SECONDS).toBeGreaterThanOrEqual(DISPATCHER_TIMEOUT_SECONDS / 2);
  });
});

describe("the migrate function", () => {
  it("never runs live under `sst dev`, and outlasts its wait for a starting proxy", () => {
    const { fakes: f } = deployStage("alice");
    const migrate = f.get("sst.aws.Function", "Migrate");
    expect(migrate.args.dev).toBe(false);
    for (const fn of f.ofType("sst.aws.Function").filter((r) => r.name !== "Migrate")) {
      expect(fn.args.dev, fn.name).toBeUndefined();
    }
    expect(seconds(migrate.args.timeout)).toBeGreaterThanOrEqual(MIGRATE_MAX_WAIT_MS / 1000 + 120);
    expect(seconds(migrate.args.timeout)).toBeLessThanOrEqual(900);
  });
});
