/**
 * The infrastructure, evaluated without AWS: infra/ runs against recording fakes of the SST globals
 * (test/support/infra-fakes.ts) and these tests assert the wiring that matters in production.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HANDLERS } from "../../infra/functions/common";
import {
  COUNTED_FAILURE_KINDS,
  type DashboardWidget,
  dashboardBody,
  METRIC_SERVICE,
  productMetricsOf,
} from "../../infra/observability";
import { BUDGET_APIS, REQUEST_APIS } from "../../infra/product-metrics";
import { DLQ_MAX_RECEIVE_COUNT } from "../../infra/queue";
import { StageSettingsError, stageSettings } from "../../infra/stage";
import { RUNTIME_ENV } from "../../packages/aws/src/runtime-env";
import { ALL_METRICS, METRICS_NAMESPACE, Metric, type MetricName } from "../../packages/core/src/metrics";
import { FAILURE_KINDS } from "../../packages/core/src/resolution";
import {
  deployStage,
  env,
  functionsOf,
  installInfra,
  permissionResources,
  seconds,
  uninstallInfra,
} from "../support/infra-deploy";
import { FakeOutput, type Recorded, resolve } from "../support/infra-fakes";

const ROOT = join(import.meta.dirname, "..", "..");

afterEach(uninstallInfra);

/** Every secret ARN a function can reach: through its IAM permissions or an environment variable. */
function secretsReachable(record: Recorded, secretArns: string[]): string[] {
  const reachable = new Set<string>();
  for (const p of permissionResources(record)) {
    for (const r of p.resources) if (secretArns.includes(r)) reachable.add(r);
  }
  for (const value of Object.values(env(record))) if (secretArns.includes(value)) reachable.add(value);
  return [...reachable].sort();
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** `Metric.X` usages in a source file (the constants the code emits with). */
function metricsUsedIn(file: string): Set<string> {
  return new Set(
    [...readFileSync(file, "utf8").matchAll(/\bMetric\.([A-Za-z]+)\b/g)].map((m) => m[1] as string),
  );
}

/** Metric names emitted by product code under packages/ and functions/ (not the name list itself). */
function emittedMetrics(): Set<string> {
  const files = [...walk(join(ROOT, "packages")), ...walk(join(ROOT, "functions"))].filter(
    (f) => !f.endsWith(join("packages", "core", "src", "metrics.ts")),
  );
  const names = new Set<string>();
  for (const file of files) for (const name of metricsUsedIn(file)) names.add(name);
  return names;
}

describe("sst.config.ts", () => {
  it("names the app, protects and retains production, and deploys infra/ from run()", async () => {
    const fakes = installInfra("prod");
    const g = globalThis as Record<string, unknown>;
    g.$config = (config: unknown) => config;
    try {
      const { default: config } = (await import("../../sst.config")) as unknown as {
        default: {
          app(input: { stage: string }): Promise<Record<string, unknown>>;
          run(): Promise<Record<string, unknown>>;
        };
      };
      expect(await config.app({ stage: "prod" })).toEqual({
        name: "plugin-drift-sweeper",
        removal: "retain",
        protect: true,
        home: "aws",
      });
      expect(await config.app({ stage: "alice" })).toMatchObject({ removal: "remove", protect: false });
      const outputs = await config.run();
      expect(Object.keys(outputs)).toEqual(expect.arrayContaining(["apiUrl", "alarmTopicArn", "dashboard"]));
      // Six handlers (the rollout tick's among them); the worker's code runs as two functions (the sweep queue's
      // and the re-check queue's).
      expect(fakes.ofType("sst.aws.Function")).toHaveLength(7);
    } finally {
      delete g.$config;
    }
  });
});

describe("schedule", () => {
  it("runs the dispatcher every hour with the non-deprecated CronV2, enabled in production only by default", () => {
    for (const [stage, enabled] of [
      ["prod", true],
      ["dev", false],
    ] as const) {
      const { fakes: f } = deployStage(stage);
      expect(f.ofType("sst.aws.Cron")).toHaveLength(0);
      const [cron] = f.ofType("sst.aws.CronV2");
      expect(cron?.args.schedule).toBe("rate(1 hour)");
      expect(cron?.args.event).toEqual({});
      expect(resolve(cron?.args.enabled)).toBe(enabled);
      expect(f.recordOf(cron?.args.function).args.handler).toBe("functions/dispatcher.handler");
      f.uninstall();
    }
  });

  it("can be switched on for a development stage", () => {
    const { fakes: f } = deployStage("dev", { DRIFT_SCHEDULE: "on" });
    expect(f.ofType("sst.aws.CronV2")[0]?.args.enabled).toBe(true);
  });
});

describe("handlers", () => {
  it("every handler path in the records is a file under functions/ exporting that handler", () => {
    const { fakes: f } = deployStage("prod");
    const handlers = f.ofType("sst.aws.Function").map((r) => String(r.args.handler));
    expect([...new Set(handlers)].sort()).toEqual(Object.values(HANDLERS).sort());
    // The worker's code twice: the sweep queue's subscriber and the re-check queue's (no batching window).
    expect(handlers.filter((h) => h === HANDLERS.worker)).toHaveLength(2);
    const missing: string[] = [];
    for (const handler of handlers) {
      const dot = handler.lastIndexOf(".");
      const file = join(ROOT, `${handler.slice(0, dot)}.ts`);
      const exported = handler.slice(dot + 1);
      const source = existsSync(file) ? readFileSync(file, "utf8") : "";
      const exportPattern = new RegExp(`export\\s+(async\\s+)?(const|let|function)\\s+${exported}\\b`);
      if (!exportPattern.test(source)) missing.push(`${relative(ROOT, file)} (export ${exported})`);
    }
    expect(missing, `handlers infra points at that do not exist: ${missing.join(", ")}`).toEqual([]);
  });

  it("runs every function on nodejs22.x arm64 inside the VPC, with its database login linked and its stage", () => {
    const { fakes: f } = deployStage("prod");
    const vpc = f.get("sst.aws.Vpc", "Vpc").instance;
    const owner = f.get("sst.aws.Postgres", "Database").instance;
    const app = f.get("sst.Linkable", "AppDatabase").instance;
    for (const [service, fn] of Object.entries(functionsOf(f))) {
      if (service === "subscribe") continue;
      expect(fn.args.runtime, service).toBe("nodejs22.x");
      expect(fn.args.architecture, service).toBe("arm64");
      expect(fn.args.vpc, service).toBe(vpc);
      // The application role everywhere; the owner (master user) only where migrations run.
      expect(fn.args.link, service).toEqual(service === "migrate" ? [owner, app] : [app]);
      expect(env(fn).DRIFT_STAGE, service).toBe("prod");
      expect(env(fn).POWERTOOLS_SERVICE_NAME, service).toBe(service);
      expect(env(fn).POWERTOOLS_METRICS_NAMESPACE, service).toBe(METRICS_NAMESPACE);
      // The password travels in SST's encrypted link or is read from its secret at run time (only the secret's
      // ARN is in the environment), never as a plain environment variable.
      expect(
        Object.keys(env(fn)).filter((k) => /PASSWORD|DB_/.test(k)),
        service,
      ).toEqual([RUNTIME_ENV.dbSecretArn]);
    }
  });

  it("sets only environment variables named in RUNTIME_ENV (what the runtime parses) or Powertools' own", () => {
    const known = new Set<string>(Object.values(RUNTIME_ENV));
    const { fakes: f } = deployStage("prod");
    const { subscribe: _s, ...fns } = functionsOf(f);
    for (const [service, fn] of Object.entries(fns)) {
      for (const name of Object.keys(env(fn))) {
        if (name.startsWith("POWERTOOLS_")) continue;
        expect(known.has(name), `${service} gets ${name}, which the runtime never reads`).toBe(true);
      }
    }
    expect(env(fns.worker)[RUNTIME_ENV.githubSecretArn]).toBe(
      resolve(f.get("aws.secretsmanager.Secret", "GitHubCredentials").instance.arn),
    );
    expect(env(fns.api)[RUNTIME_ENV.adminTokenSecretArn]).toBe(
      resolve(f.get("aws.secretsmanager.Secret", "AdminToken").instance.arn),
    );
    expect(env(fns.dispatcher).DRIFT_QUEUE_URL).toBe(
      resolve(f.get("sst.aws.Queue", "SweepQueue").instance.url),
    );
    expect(env(fns.api).DRIFT_EVENT_BUS_NAME).toBe(resolve(f.get("sst.aws.Bus", "Events").instance.name));
  });
});

describe("queue and worker", () => {
  it("has a visibility timeout of at least 6x the worker timeout (plus the batching window)", () => {
    const { fakes: f } = deployStage("prod");
    const { worker, subscribe } = functionsOf(f);
    const queue = f.get("sst.aws.Queue", "SweepQueue");
    const visibility = seconds(queue.args.visibilityTimeout);
    const timeout = seconds(worker.args.timeout);
    const window = seconds((subscribe.args.batch as { window: string }).window);
    console.log(`worker timeout ${timeout}s, batch window ${window}s, visibility timeout ${visibility}s`);
    expect(timeout).toBeGreaterThanOrEqual(60);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout + window);
    expect(visibility).toBeLessThanOrEqual(12 * 3600);
  });

  it("sends poison messages to a DLQ after a bounded number of receives", () => {
    const { fakes: f } = deployStage("prod");
    const queue = f.get("sst.aws.Queue", "SweepQueue");
    const dlq = f.get("sst.aws.Queue", "SweepDlq");
    const redrive = queue.args.dlq as { queue: unknown; retry: number };
    expect(resolve(redrive.queue)).toBe(resolve(dlq.instance.arn));
    expect(redrive.retry).toBe(DLQ_MAX_RECEIVE_COUNT);
    expect(redrive.retry).toBeGreaterThanOrEqual(3);
    expect(redrive.retry).toBeLessThanOrEqual(10);
    expect(dlq.args.dlq).toBeUndefined();
  });

  it("subscribes the worker with partial batch responses, a modest batch and a maximum concurrency", () => {
    for (const [stage, concurrency] of [
      ["prod", 5],
      ["dev", 2],
    ] as const) {
      const { fakes: f } = deployStage(stage);
      const { worker, subscribe } = functionsOf(f);
      expect(subscribe.args.queue).toBe(f.get("sst.aws.Queue", "SweepQueue").instance);
      expect(worker.args.handler).toBe("functions/worker.handler");
      const batch = subscribe.args.batch as { size: number; partialResponses: boolean };
      expect(batch.partialResponses).toBe(true);
      expect(batch.size).toBeGreaterThanOrEqual(1);
      expect(batch.size).toBeLessThanOrEqual(10);
      const transform = subscribe.args.transform as {
        eventSourceMapping: { scalingConfig: { maximumConcurrency: number } };
      };
      expect(transform.eventSourceMapping.scalingConfig.maximumConcurrency).toBe(concurrency);
      f.uninstall();
    }
    const { fakes: f } = deployStage("prod", { DRIFT_WORKER_MAX_CONCURRENCY: "8" });
    const transform = functionsOf(f).subscribe.args.transform as {
      eventSourceMapping: { scalingConfig: { maximumConcurrency: number } };
    };
    expect(transform.eventSourceMapping.scalingConfig.maximumConcurrency).toBe(8);
  });

  it("lets the worker read the GitHub secret and publish what its policies apply to the bus, nothing else", () => {
    const { fakes: f } = deployStage("prod");
    const busArn = resolve(f.get("sst.aws.Bus", "Events").instance.arn);
    const github = String(resolve(f.get("aws.secretsmanager.Secret", "GitHubCredentials").instance.arn));
    const { worker } = functionsOf(f);
    const appDb = String(resolve(f.get("aws.secretsmanager.Secret", "AppDbCredentials").instance.arn));
    expect(permissionResources(worker)).toEqual([
      { actions: ["secretsmanager:GetSecretValue"], resources: [github] },
      { actions: ["events:PutEvents"], resources: [busArn] },
      // What it did not resolve in time goes back to the re-check queue with a delay (issue 23).
      {
        actions: ["sqs:SendMessage"],
        resources: [resolve(f.get("sst.aws.Queue", "RecheckQueue").instance.arn)],
      },
      // Its database password, read at run time (test/infra/components.test.ts: the proxy's secret).
      { actions: ["secretsmanager:GetSecretValue"], resources: [appDb] },
    ]);
    expect(env(worker)[RUNTIME_ENV.eventBusName]).toBe(resolve(f.get("sst.aws.Bus", "Events").instance.name));
  });

  it("lets the dispatcher send to the sweep queue, publish to the bus (outbox retries) and see whether the GitHub secret has a value, nothing else", () => {
    const { fakes: f } = deployStage("prod");
    const queueArn = resolve(f.get("sst.aws.Queue", "SweepQueue").instance.arn);
    const github = String(resolve(f.get("aws.secretsmanager.Secret", "GitHubCredentials").instance.arn));
    const permissions = permissionResources(functionsOf(f).dispatcher);
    expect(permissions).toHaveLength(4);
    expect(permissions[0]).toEqual({
      actions: ["sqs:SendMessage", "sqs:GetQueueAttributes"],
      resources: [queueArn],
    });
    expect(permissions[1]?.actions).toEqual(["events:PutEvents"]);
    // Metadata only (first deploy: skip the sweep while the secret is empty); never GetSecretValue.
    expect(permissions[2]).toEqual({ actions: ["secretsmanager:DescribeSecret"], resources: [github] });
    const appDb = String(resolve(f.get("aws.secretsmanager.Secret", "AppDbCredentials").instance.arn));
    // Its database password, read at run time.
    expect(permissions[3]).toEqual({ actions: ["secretsmanager:GetSecretValue"], resources: [appDb] });
    expect(env(functionsOf(f).dispatcher).DRIFT_EVENT_BUS_NAME).toBeTruthy();
  });
});

describe("secrets", () => {
  it("are Secrets Manager secrets, each reachable only by the function that needs it", () => {
    const { fakes: f } = deployStage("prod");
    expect(f.ofType("sst.Secret")).toHaveLength(0);
    const github = String(resolve(f.get("aws.secretsmanager.Secret", "GitHubCredentials").instance.arn));
    const admin = String(resolve(f.get("aws.secretsmanager.Secret", "AdminToken").instance.arn));
    const all = [github, admin];
    const fns = functionsOf(f);
    expect(secretsReachable(fns.worker, all)).toEqual([github]);
    expect(secretsReachable(fns.api, all)).toEqual([admin]);
    // The dispatcher may only describe the GitHub secret (asserted above): it cannot read a value.
    expect(secretsReachable(fns.dispatcher, all)).toEqual([github]);
    // It reads one secret's value: its own database password (db-app), nothing of GitHub's.
    const appDb = String(resolve(f.get("aws.secretsmanager.Secret", "AppDbCredentials").instance.arn));
    expect(
      permissionResources(fns.dispatcher)
        .filter((p) => p.actions.includes("secretsmanager:GetSecretValue"))
        .flatMap((p) => p.resources),
    ).toEqual([appDb]);
    expect(secretsReachable(fns.migrate, all)).toEqual([]);
    // Read-only, on exactly that secret.
    for (const p of [...permissionResources(fns.worker), ...permissionResources(fns.api)]) {
      if (p.resources.some((r) => all.includes(r))) {
        expect(p).toEqual({ actions: ["secretsmanager:GetSecretValue"], resources: [expect.any(String)] });
      }
    }
  });

  it("with IAM auth on the admin API, no function can read the admin token", () => {
    const { fakes: f } = deployStage("prod", { DRIFT_ADMIN_AUTH: "iam" });
    const admin = String(resolve(f.get("aws.secretsmanager.Secret", "AdminToken").instance.arn));
    for (const fn of f.ofType("sst.aws.Function")) expect(secretsReachable(fn, [admin])).toEqual([]);
  });
});

describe("admin API Function URL", () => {
  it("uses bearer auth (public URL + token) by default and IAM when the stage asks, with per-stage CORS in one place", () => {
    let api = functionsOf(deployStage("dev").fakes).api;
    let url = api.args.url as { authorization: string; cors: { allowOrigins: string[] } | false };
    expect(url.authorization).toBe("none");
    expect(env(api).DRIFT_ADMIN_AUTH).toBe("bearer");
    // Bearer: the app answers CORS (tested in api*.test.ts); the URL must not add a second set of headers.
    expect(url.cors).toBe(false);
    expect(env(api).DRIFT_CORS_ORIGINS).toBe("http://localhost:5173,http://127.0.0.1:5173");
    uninstallInfra();

    api = functionsOf(deployStage("prod").fakes).api;
    url = api.args.url as typeof url;
    expect(url.authorization).toBe("none");
    expect(url.cors).toBe(false); // production allows no browser origin unless told
    uninstallInfra();

    api = functionsOf(
      deployStage("prod", { DRIFT_ADMIN_AUTH: "iam", DRIFT_CORS_ORIGINS: "https://admin.example.com" }).fakes,
    ).api;
    url = api.args.url as typeof url;
    expect(url.authorization).toBe("iam");
    expect(env(api).DRIFT_ADMIN_AUTH).toBe("iam");
    // IAM: unsigned preflights never reach the app, so the Function URL answers CORS and the app does not.
    expect(url.cors).toMatchObject({ allowOrigins: ["https://admin.example.com"] });
    expect(env(api).DRIFT_CORS_ORIGINS).toBe("");
  });

  it("may publish plugin.update.applied to the bus", () => {
    const { fakes: f } = deployStage("prod");
    const busArn = resolve(f.get("sst.aws.Bus", "Events").instance.arn);
    expect(permissionResources(functionsOf(f).api)).toContainEqual({
      actions: ["events:PutEvents"],
      resources: [busArn],
    });
  });
});

describe("database and network", () => {
  it("bundled: Postgres behind RDS Proxy in the app's VPC (NAT reaches GitHub), sized per stage", () => {
    const prod = deployStage("prod").fakes;
    const pg = prod.get("sst.aws.Postgres", "Database");
    // The proxy authenticates drift_app with the project's secret, added in the proxy transform (not SST's
    // `credentials`, which would register a copy): test/infra/components.test.ts asserts the auths it creates.
    expect(resolve(pg.args.proxy)).toBe(true);
    expect(pg.args.vpc).toBe(prod.get("sst.aws.Vpc", "Vpc").instance);
    expect(pg.args.instance).toBe("t4g.small");
    expect(prod.get("sst.aws.Vpc", "Vpc").args.nat).toBe("managed");
    const instance = {} as Record<string, unknown>;
    (pg.args.transform as { instance: (a: Record<string, unknown>) => void }).instance(instance);
    expect(instance.deletionProtection).toBe(true);
    expect(instance.skipFinalSnapshot).toBe(false);
    prod.uninstall();

    const dev = deployStage("dev").fakes;
    expect(dev.get("sst.aws.Postgres", "Database").args.instance).toBe("t4g.micro");
    expect(dev.get("sst.aws.Vpc", "Vpc").args.nat).toBe("ec2");
  });

  it("external: the platform's RDS Proxy and subnets, credentials from its secret via an encrypted link", () => {
    const { fakes: f } = deployStage("prod", {
      DRIFT_DATABASE: "external",
      DRIFT_EXTERNAL_DB_HOST: "platform.proxy-abc.eu-west-1.rds.amazonaws.com",
      DRIFT_EXTERNAL_DB_NAME: "platform",
      DRIFT_EXTERNAL_DB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:platform-db",
      DRIFT_VPC_PRIVATE_SUBNETS: "subnet-a, subnet-b",
      DRIFT_VPC_SECURITY_GROUPS: "sg-1",
    });
    expect(f.ofType("sst.aws.Postgres")).toHaveLength(0);
    expect(f.ofType("sst.aws.Vpc")).toHaveLength(0);
    const link = f.get("sst.Linkable", "Database");
    expect(resolve((link.args as { properties: unknown }).properties)).toEqual({
      host: "platform.proxy-abc.eu-west-1.rds.amazonaws.com",
      port: 5432,
      database: "platform",
      username: "platform",
      password: "pw-from-arn:aws:secretsmanager:eu-west-1:1:secret:platform-db",
      sslmode: "verify-full",
    });
    // No application role secret given: the functions log in as the owner too.
    const app = f.get("sst.Linkable", "AppDatabase");
    expect(resolve((app.args as { properties: unknown }).properties)).toMatchObject({ username: "platform" });
    for (const fn of f.ofType("sst.aws.Function")) {
      expect(fn.args.vpc).toEqual({ privateSubnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1"] });
      const migrate = fn.args.handler === "functions/migrate.handler";
      expect(fn.args.link).toEqual(migrate ? [link.instance, app.instance] : [app.instance]);
    }
  });

  it("runs the migrations on deploy, after the database, re-running when the migrate bundle changes", () => {
    const { fakes: f, outputs } = deployStage("prod");
    const [invocation] = f.ofType("aws.lambda.Invocation");
    const migrate = f.get("sst.aws.Function", "Migrate");
    expect(migrate.args.handler).toBe("functions/migrate.handler");
    expect(resolve(invocation?.args.functionName)).toBe(resolve(migrate.instance.name));
    expect(resolve(invocation?.args.triggers)).toEqual({ code: "hash-of-Migrate" });
    expect(invocation?.opts?.dependsOn).toContain(f.get("sst.aws.Postgres", "Database").instance);
    expect(outputs.migrationResult).toBeInstanceOf(FakeOutput);
  });
});

describe("stage settings", () => {
  it("keeps production data and cleans up development stages", () => {
    expect(stageSettings("prod")).toMatchObject({ production: true, removal: "retain", protect: true });
    expect(stageSettings("production")).toMatchObject({ production: true, removal: "retain" });
    expect(stageSettings("alice")).toMatchObject({ production: false, removal: "remove", protect: false });
  });

  it("rejects unusable deploy-time settings with the variable's name", () => {
    const bad: Record<string, string>[] = [
      { DRIFT_ADMIN_AUTH: "basic" },
      { DRIFT_SCHEDULE: "sometimes" },
      { DRIFT_WORKER_MAX_CONCURRENCY: "1" },
      { DRIFT_CORS_ORIGINS: "https://admin.example.com/path" },
      { DRIFT_CORS_ORIGINS: "*" },
      { DRIFT_CORS_ORIGINS: "null" },
      { DRIFT_CORS_ORIGINS: "http://admin.example.com" },
      { DRIFT_DATABASE: "sqlite" },
      { DRIFT_DATABASE: "external" },
      { DRIFT_GITHUB_API_URL: "ghe.example.com/api/v3" },
    ];
    for (const env of bad) {
      const name = Object.keys(env)[0] as string;
      expect(() => stageSettings("prod", env), name).toThrow(StageSettingsError);
      expect(() => stageSettings("prod", env), name).toThrow(name === "DRIFT_DATABASE" ? /DRIFT_/ : name);
    }
  });
});

describe("dashboard", () => {
  function deployedDashboard() {
    const { fakes: f } = deployStage("prod");
    const [dashboard] = f.ofType("aws.cloudwatch.Dashboard");
    return {
      f,
      body: JSON.parse(String(resolve(dashboard?.args.dashboardBody))) as { widgets: DashboardWidget[] },
    };
  }

  it("shows only metric names from packages/core/src/metrics.ts, with the dimension sets the code emits", () => {
    const { body } = deployedDashboard();
    const shown = productMetricsOf(body);
    expect(shown.length).toBeGreaterThan(10);
    for (const name of shown) expect(ALL_METRICS).toContain(name);
    for (const widget of body.widgets) {
      for (const line of widget.properties.metrics ?? []) {
        if (line[0] !== METRICS_NAMESPACE) continue;
        const metric = line[1] as MetricName;
        const dims = line.slice(2).filter((x) => typeof x === "string");
        expect(dims[0]).toBe("service");
        expect(METRIC_SERVICE[metric]).toContain(dims[1]);
        expect(dims.slice(2, 4)).toEqual(["stage", "prod"]);
        if (metric === Metric.TargetsFailed) {
          expect(dims[4]).toBe("FailureKind");
          expect(FAILURE_KINDS).toContain(dims[5]);
        } else if (metric === Metric.DriftDetected || metric === Metric.IntegrityEvents) {
          expect(dims[4]).toBe(metric === Metric.DriftDetected ? "DriftKind" : "IntegrityKind");
        } else if (metric === Metric.GitHubRequests || metric === Metric.GitHubBudgetRemaining) {
          // Per API: GitHub's GraphQL points and REST requests are separate budgets (Gitea its own host).
          expect(dims[4]).toBe("Api");
          expect(metric === Metric.GitHubRequests ? REQUEST_APIS : BUDGET_APIS).toContain(dims[5]);
        } else if (metric === Metric.WebhookDeliveries) {
          expect(dims[4]).toBe("Event"); // checked further in test/infra/webhook.test.ts
        } else {
          expect(dims).toHaveLength(4);
        }
      }
    }
  });

  it("covers what operators asked for: duration, targets, drift, rate budget, DLQ depth, worker errors and throttles", () => {
    const { f, body } = deployedDashboard();
    const shown = productMetricsOf(body);
    for (const m of [
      Metric.SweepDuration,
      Metric.TargetsResolved,
      Metric.TargetsFailed,
      Metric.TargetsDeferred,
      Metric.DriftNew,
      Metric.DriftRefreshed,
      Metric.DriftSuperseded,
      Metric.GitHubBudgetRemaining,
      Metric.GitHubRequests,
      Metric.GitHubPointsUsed,
    ]) {
      expect(shown).toContain(m);
    }
    const lines = body.widgets.flatMap((w) => w.properties.metrics ?? []).map((l) => l.slice(0, 4).join(" "));
    const dlqName = resolve(f.get("sst.aws.Queue", "SweepDlq").instance.name);
    const workerName = resolve(functionsOf(f).worker.instance.name);
    expect(lines).toContain(`AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${dlqName}`);
    expect(lines).toContain(`AWS/Lambda Errors FunctionName ${workerName}`);
    expect(lines).toContain(`AWS/Lambda Throttles FunctionName ${workerName}`);
    for (const widget of body.widgets) {
      if (widget.type === "metric") expect(widget.properties.region).toBe("eu-west-1");
    }
  });

  it("names only metrics that the code under packages/ and functions/ really emits", () => {
    const shown = productMetricsOf(dashboardBody(refsForPureBody()));
    const emitted = emittedMetrics();
    const missing = shown.filter((name) => !emitted.has(name));
    console.log(`dashboard metrics: ${shown.length}; emitted in code: ${[...emitted].sort().join(", ")}`);
    expect(missing, `on the dashboard but never emitted via Metric.X: ${missing.join(", ")}`).toEqual([]);
  });

  it("queries each metric with the service that emits it (dispatcher, worker, api source files)", () => {
    // Handler files may emit too (their existence is the "handlers" test's business).
    const handlerFile = (name: string) => [join(ROOT, `functions/${name}.ts`)].filter(existsSync);
    const emitters: Record<string, string[]> = {
      dispatcher: [join(ROOT, "packages/core/src/dispatch.ts"), ...handlerFile("dispatcher")],
      worker: [join(ROOT, "packages/core/src/process-message.ts"), ...handlerFile("worker")],
      api: [
        ...walk(join(ROOT, "packages/api/src")).filter((f) => !f.includes(join("src", "webhooks"))),
        ...handlerFile("api"),
      ],
      migrate: handlerFile("migrate"),
      webhook: [
        ...walk(join(ROOT, "packages/api/src/webhooks")),
        join(ROOT, "packages/core/src/recheck.ts"),
        ...handlerFile("webhook"),
      ],
    };
    const wrong: string[] = [];
    for (const [service, files] of Object.entries(emitters)) {
      for (const file of files) {
        expect(existsSync(file), `${relative(ROOT, file)} moved: update this table`).toBe(true);
        for (const metric of metricsUsedIn(file)) {
          const services = METRIC_SERVICE[metric as MetricName] as readonly string[] | undefined;
          if (!services?.includes(service))
            wrong.push(`${metric} emitted by ${service} (${relative(ROOT, file)})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

function refsForPureBody() {
  return {
    region: "eu-west-1",
    stage: "prod",
    dispatcherFunctionName: "d",
    workerFunctionName: "w",
    apiFunctionName: "a",
    queueName: "q",
    dlqName: "dlq",
    rateBudgetLowThreshold: 500,
  };
}

describe("alarms", () => {
  function alarms(stage = "prod", env: Record<string, string> = {}) {
    const { fakes: f } = deployStage(stage, env);
    const topicArn = resolve(f.get("sst.aws.SnsTopic", "Alarms").instance.arn);
    const byName = new Map(
      f.ofType("aws.cloudwatch.MetricAlarm").map((r) => [r.name, resolve(r.args) as Record<string, unknown>]),
    );
    return { f, topicArn, byName };
  }

  it("exist for the eleven conditions, each notifying the SNS topic", () => {
    const { byName, topicArn } = alarms();
    expect([...byName.keys()].sort()).toEqual(
      [
        "AlarmDlqNotEmpty",
        "AlarmFailureRatioHigh",
        "AlarmNoCompletedSweep",
        "AlarmRateBudgetLow",
        "AlarmDispatcherErrors",
        "AlarmDispatcherSlow",
        "AlarmWebhookSignaturesRejected",
        "AlarmTagIntegrity",
        "AlarmDispatcherMemoryHigh",
        "AlarmRolloutHalted",
        "AlarmNotificationsFailing",
      ].sort(),
    );
    for (const [name, args] of byName) {
      expect(args.alarmActions, name).toEqual([topicArn]);
      expect(args.okActions, name).toEqual([topicArn]);
      expect(args.actionsEnabled, name).toBe(true);
    }
  });

  it("DLQ not empty watches the DLQ's visible messages", () => {
    const { f, byName } = alarms();
    const dlq = byName.get("AlarmDlqNotEmpty");
    expect(dlq).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: resolve(f.get("sst.aws.Queue", "SweepDlq").instance.name) },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
  });

  it("failure ratio is failed / (resolved + failed) over the counted failure kinds", () => {
    const { byName } = alarms();
    const ratio = byName.get("AlarmFailureRatioHigh") as {
      metricQueries: {
        id: string;
        expression?: string;
        returnData?: boolean;
        metric?: Record<string, unknown>;
      }[];
      comparisonOperator: string;
    };
    const metrics = ratio.metricQueries.filter((q) => q.metric);
    expect(metrics.map((q) => q.metric?.metricName).sort()).toEqual(
      [Metric.TargetsResolved, ...COUNTED_FAILURE_KINDS.map(() => Metric.TargetsFailed)].sort(),
    );
    for (const q of metrics) {
      expect(q.metric?.namespace).toBe(METRICS_NAMESPACE);
      expect(q.metric?.dimensions).toMatchObject({ service: "worker", stage: "prod" });
    }
    expect(COUNTED_FAILURE_KINDS).not.toContain("deferred");
    const returned = ratio.metricQueries.filter((q) => q.returnData);
    expect(returned).toHaveLength(1);
    expect(returned[0]?.expression).toMatch(/failed \/ attempted/);
    expect(ratio.comparisonOperator).toBe("GreaterThanThreshold");
  });

  it("rate budget low and no completed sweep in 2 hours (missing data is breaching)", () => {
    const { byName } = alarms("prod", { DRIFT_RATE_BUDGET_LOW: "750" });
    const budget = byName.get("AlarmRateBudgetLow") as {
      metricQueries: {
        id: string;
        expression?: string;
        returnData: boolean;
        metric?: Record<string, unknown>;
      }[];
    };
    expect(budget).toMatchObject({ threshold: 750, comparisonOperator: "LessThanThreshold" });
    // GitHub's two budgets apart (points are not requests), the alarm on the lower of them.
    const budgetInputs = budget.metricQueries.flatMap((q) => (q.metric ? [q.metric] : []));
    expect(budgetInputs).toEqual(
      ["graphql", "rest"].map((api) =>
        expect.objectContaining({
          namespace: METRICS_NAMESPACE,
          metricName: Metric.GitHubBudgetRemaining,
          dimensions: { service: "worker", stage: "prod", Api: api },
          stat: "Minimum",
        }),
      ),
    );
    const returned = budget.metricQueries.filter((q) => q.returnData);
    expect(returned.map((q) => q.expression)).toEqual(["MIN([left_graphql, left_rest])"]);
    const noSweep = byName.get("AlarmNoCompletedSweep") as {
      metricQueries: { metric?: { metricName: string; period: number; dimensions: { service: string } } }[];
      threshold: number;
      comparisonOperator: string;
      treatMissingData: string;
    };
    const inputs = noSweep.metricQueries.flatMap((q) => (q.metric ? [q.metric] : []));
    // A sweep skipped while the deployment is not configured (first deploy) keeps the alarm quiet.
    expect(inputs.map((m) => m.metricName)).toEqual([
      Metric.SweepsCompleted,
      Metric.SweepsCompleted,
      Metric.SweepsSkipped,
      Metric.Deployments,
    ]);
    expect(inputs.map((m) => m.dimensions.service).sort()).toEqual([
      "dispatcher",
      "dispatcher",
      "migrate",
      "worker",
    ]);
    expect(inputs.every((m) => m.period === 7200)).toBe(true);
    expect(noSweep).toMatchObject({
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    });
  });

  it("page nobody on a development stage whose schedule is off", () => {
    const { byName } = alarms("dev");
    for (const [name, args] of byName) expect(args.actionsEnabled, name).toBe(false);
  });

  it("subscribe an operator's e-mail when given", () => {
    const { f } = alarms("prod", { DRIFT_ALARM_EMAIL: "ops@example.com" });
    const [sub] = f.ofType("aws.sns.TopicSubscription");
    expect(resolve(sub?.args)).toEqual({
      topic: resolve(f.get("sst.aws.SnsTopic", "Alarms").instance.arn),
      protocol: "email",
      endpoint: "ops@example.com",
    });
  });
});
