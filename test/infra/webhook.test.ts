/**
 * The webhook receiver's infrastructure (issue 13), evaluated against the recording fakes of the SST globals:
 * its own function and public Function URL, its own Secrets Manager secret, and the only permissions it has.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deploy } from "../../infra";
import { WEBHOOK_REJECTED_THRESHOLD } from "../../infra/alarms";
import { dashboardBody } from "../../infra/dashboard";
import { WEBHOOK_EVENTS } from "../../infra/product-metrics";
import { RUNTIME_ENV } from "../../packages/aws/src/runtime-env";
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
  const f = fakes;
  return { f, outputs, webhook: f.get("sst.aws.Function", "Webhook") };
}

const envOf = (r: Recorded) => resolve(r.args.environment) as Record<string, string>;
const permissionsOf = (r: Recorded) =>
  resolve(r.args.permissions) as { actions: string[]; resources: string[] }[];

describe("webhook function", () => {
  it("runs functions/webhook.handler on its own Function URL with no AWS auth and no CORS", () => {
    const { f, outputs, webhook } = deployed();
    expect(webhook.args.handler).toBe("functions/webhook.handler");
    expect(readFileSync(join(ROOT, "functions/webhook.ts"), "utf8")).toMatch(/export const handler\b/);
    expect(resolve(webhook.args.url)).toEqual({ authorization: "none", cors: false });
    expect(resolve(outputs.webhookUrl)).toBe(resolve(webhook.instance.url));
    // Not the admin API's URL: a separate function, so the bearer-less route never reaches admin code.
    expect(resolve(outputs.webhookUrl)).not.toBe(resolve(f.get("sst.aws.Function", "Api").instance.url));
    expect(envOf(webhook).POWERTOOLS_SERVICE_NAME).toBe("webhook");
    expect(webhook.args.vpc).toBe(f.get("sst.aws.Vpc", "Vpc").instance);
    // The least-privilege application role's login, like dispatcher, worker and API; never the owner's.
    expect(webhook.args.link).toEqual([f.get("sst.Linkable", "AppDatabase").instance]);
    expect(envOf(webhook).DRIFT_STAGE).toBe("prod");
  });

  it("keeps its HMAC secrets in a Secrets Manager secret that only it can read", () => {
    const { f, outputs, webhook } = deployed();
    expect(f.ofType("sst.Secret")).toHaveLength(0);
    const secret = f.get("aws.secretsmanager.Secret", "WebhookSecrets");
    const arn = resolve(secret.instance.arn);
    expect(resolve(outputs.webhookSecretArn)).toBe(arn);
    expect(resolve(secret.args.name)).toBe("plugin-drift-sweeper/prod/webhook-secrets");
    expect(envOf(webhook).DRIFT_WEBHOOK_SECRET_ARN).toBe(arn);
    for (const fn of [...f.ofType("sst.aws.Function"), ...f.ofType("sst.aws.Queue.subscribe")]) {
      const args = fn.type === "sst.aws.Queue.subscribe" ? f.recordOf(fn.args.subscriber) : fn;
      if (args === webhook) continue;
      const reach = JSON.stringify([resolve(args.args.permissions), resolve(args.args.environment)]);
      expect(reach, `${args.name} can reach the webhook secret`).not.toContain(String(arn));
    }
  });

  it("may send to the re-check queue and read its secret, nothing else (no GitHub credentials, no admin token, no bus)", () => {
    const { f, webhook } = deployed();
    const queue = f.get("sst.aws.Queue", "RecheckQueue").instance;
    const secret = f.get("aws.secretsmanager.Secret", "WebhookSecrets").instance;
    expect(permissionsOf(webhook)).toEqual([
      { actions: ["sqs:SendMessage"], resources: [resolve(queue.arn)] },
      { actions: ["secretsmanager:GetSecretValue"], resources: [resolve(secret.arn)] },
    ]);
    expect(envOf(webhook).DRIFT_QUEUE_URL).toBe(resolve(queue.url));
    const known: string[] = Object.values(RUNTIME_ENV);
    for (const name of Object.keys(envOf(webhook))) {
      if (!name.startsWith("POWERTOOLS_")) expect(known, name).toContain(name);
    }
  });

  it("is deployed after the migrations, like every function that uses the schema", () => {
    const { f, webhook } = deployed();
    const migration = f.ofType("aws.lambda.Invocation")[0]?.instance;
    expect(migration).toBeDefined();
    expect(webhook.opts?.dependsOn).toContain(migration);
  });
});

describe("webhook alarm", () => {
  it("fires on refused signatures of its own stage only", () => {
    for (const stage of ["prod", "alice"]) {
      const { f } = deployed(stage);
      const alarm = f.get("aws.cloudwatch.MetricAlarm", "AlarmWebhookSignaturesRejected");
      expect(resolve(alarm.args)).toMatchObject({
        namespace: METRICS_NAMESPACE,
        metricName: Metric.WebhookSignatureRejected,
        dimensions: { service: "webhook", stage },
        statistic: "Sum",
        threshold: WEBHOOK_REJECTED_THRESHOLD,
        comparisonOperator: "GreaterThanThreshold",
      });
    }
  });
});

describe("webhook dashboard", () => {
  it("shows deliveries by event, rejected signatures, re-checks queued and detection latency", () => {
    const body = dashboardBody({
      region: "eu-west-1",
      stage: "prod",
      dispatcherFunctionName: "d",
      workerFunctionName: "w",
      apiFunctionName: "a",
      queueName: "q",
      dlqName: "dlq",
      rateBudgetLowThreshold: 500,
    });
    const lines = body.widgets
      .flatMap((w) => w.properties.metrics ?? [])
      .filter((l) => l[0] === METRICS_NAMESPACE)
      .map((l) => l.filter((x) => typeof x === "string").join(" "));
    for (const event of WEBHOOK_EVENTS) {
      expect(lines).toContain(
        `${METRICS_NAMESPACE} ${Metric.WebhookDeliveries} service webhook stage prod Event ${event}`,
      );
    }
    expect(lines).toContain(
      `${METRICS_NAMESPACE} ${Metric.WebhookSignatureRejected} service webhook stage prod`,
    );
    expect(lines).toContain(`${METRICS_NAMESPACE} ${Metric.RechecksQueued} service webhook stage prod`);
    expect(lines).toContain(`${METRICS_NAMESPACE} ${Metric.DetectionLatency} service worker stage prod`);
  });

  it("uses Event values the receiver really emits", () => {
    const source = readFileSync(join(ROOT, "packages/api/src/webhooks/app.ts"), "utf8");
    const events = readFileSync(join(ROOT, "packages/api/src/webhooks/events.ts"), "utf8");
    for (const event of WEBHOOK_EVENTS) {
      expect(source.includes(`"${event}"`) || events.includes(`"${event}"`), event).toBe(true);
    }
  });
});
