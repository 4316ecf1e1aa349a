/**
 * infra/ through SST 4.17's real component code under Pulumi's runtime mocks (te../support/infra-sst-real.ts): these
 * assertions read what the components create (the proxy's auths and role, each role's policy document, the event
 * source mapping, URL permissions, the parameter group, alarms), not the arguments infra passes them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DISPATCHER_MEMORY_MB } from "../../infra/functions/dispatcher";
import { MAX_MEMORY_USED_VALUE, PLATFORM_REPORT_PATTERN } from "../../infra/memory-alarm";
import { WEBHOOK_RESERVED_CONCURRENCY } from "../../infra/webhook";
import { RUNTIME_ENV } from "../../packages/aws/src/runtime-env";
import { deployReal, type RealStack, type Registered } from "../support/infra-sst-real";

const ARN = (service: string, name: string) => `arn:aws:${service}:us-east-1:123456789012:${name}`;
const APP_SECRET = ARN("secretsmanager", "AppDbCredentials");
const QUEUE = ARN("sqs", "SweepQueueQueue");
const RECHECK_QUEUE = ARN("sqs", "RecheckQueueQueue");
const BUS = ARN("cloudwatch", "EventsBus");
const read = (arn: string) => ({
  Effect: "Allow",
  Action: ["secretsmanager:GetSecretValue"],
  Resource: [arn],
});
const WORKER = "SweepQueueSubscriber";
/** The same worker code on the webhook re-check queue (issue 24). */
const RECHECK_WORKER = "RecheckQueueSubscriber";

/** A worker's statements: its queue, the GitHub credentials, the bus, its database login. */
const workerStatements = (queue: string) => [
  {
    Effect: "Allow",
    Action: [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
    ],
    Resource: [queue],
  },
  read(ARN("secretsmanager", "GitHubCredentials")),
  { Effect: "Allow", Action: ["events:PutEvents"], Resource: [BUS] },
  // Targets not resolved in time go back to the re-check queue with a delay (issue 23), never to the DLQ.
  { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [RECHECK_QUEUE] },
  read(APP_SECRET),
];

type Statement = { Effect: string; Action: string | string[]; Resource?: string[]; Principal?: unknown };

/** The statements of a role's inline policy (SST puts a function's permissions there, and nothing else). */
function inlineStatements(role: Registered): Statement[] {
  const policies = role.inputs.inlinePolicies as { policy: string }[];
  return policies.flatMap((p) => (JSON.parse(p.policy) as { Statement: Statement[] }).Statement);
}

function roleOf(stack: RealStack, fn: string): Registered {
  return stack
    .ofType("aws:iam/role:Role")
    .find((r) => r.name.startsWith(fn) && r.name.endsWith("Role")) as Registered;
}

function lambda(stack: RealStack, fn: string) {
  const found = stack.ofType("aws:lambda/function:Function").find((r) => r.name.startsWith(fn));
  if (!found) throw new Error(`no function ${fn}`);
  return found.inputs as {
    memorySize: number;
    timeout: number;
    loggingConfig?: { logFormat: string; systemLogLevel?: string; applicationLogLevel?: string };
    reservedConcurrentExecutions?: number;
    environment: { variables: Record<string, string> };
  };
}

describe("bundled production stage", () => {
  let stack: RealStack;
  beforeAll(async () => {
    stack = await deployReal("prod");
  }, 300_000);

  it("lists what SST creates, by type", () => {
    const count = (type: string) => stack.ofType(type).length;
    expect(count("aws:lambda/function:Function")).toBe(7);
    expect(count("aws:iam/role:Role")).toBe(10); // seven functions, the proxy, the two schedules
    expect(count("aws:rds/proxy:Proxy")).toBe(1);
    expect(count("aws:lambda/eventSourceMapping:EventSourceMapping")).toBe(2);
    expect(count("aws:lambda/functionUrl:FunctionUrl")).toBe(2);
    expect(count("aws:sqs/queue:Queue")).toBe(3);
    // SST would add a secret per proxy credential: only its master secret and the project's three (+ db-app).
    expect(
      stack
        .ofType("aws:secretsmanager/secret:Secret")
        .map((s) => s.name)
        .sort(),
    ).toEqual([
      "AdminToken",
      "AppDbCredentials",
      "DatabaseProxySecret",
      "GitHubCredentials",
      "WebhookSecrets",
    ]);
  });

  it("registers one application secret with the proxy: the one the functions read, and the proxy's role can read it", () => {
    const proxy = stack.one("aws:rds/proxy:Proxy", "DatabaseProxy").inputs as {
      auths: { secretArn: string; authScheme: string; iamAuth: string }[];
      requireTls: boolean;
    };
    expect(proxy.requireTls).toBe(true);
    expect(proxy.auths.map((a) => a.secretArn)).toEqual([
      ARN("secretsmanager", "DatabaseProxySecret"),
      APP_SECRET,
    ]);
    expect(proxy.auths.every((a) => a.authScheme === "SECRETS" && a.iamAuth === "DISABLED")).toBe(true);
    const proxyRole = stack.one("aws:iam/role:Role", "DatabaseProxyRole");
    const extra = stack.one("aws:iam/rolePolicy:RolePolicy", "DatabaseProxyAppSecretRead").inputs;
    expect(extra.role).toBe("DatabaseProxyRole");
    const readable = [...inlineStatements(proxyRole), ...JSON.parse(String(extra.policy)).Statement].flatMap(
      (s: Statement) => s.Resource ?? [],
    );
    expect(readable).toEqual([ARN("secretsmanager", "DatabaseProxySecret"), APP_SECRET]);
    // The migrate function logs in as the owner (its link), and reads this secret to give drift_app its password.
    for (const fn of ["Dispatcher", "Api", "Webhook", WORKER, RECHECK_WORKER, "Migrate"]) {
      expect(lambda(stack, fn).environment.variables[RUNTIME_ENV.dbSecretArn]).toBe(APP_SECRET);
    }
  });

  it("gives each function exactly its statements, and only Lambda may assume its role", () => {
    const expected: Record<string, Statement[]> = {
      Dispatcher: [
        { Effect: "Allow", Action: ["sqs:SendMessage", "sqs:GetQueueAttributes"], Resource: [QUEUE] },
        { Effect: "Allow", Action: ["events:PutEvents"], Resource: [BUS] },
        // Whether the GitHub secret has a value (first deploy), never the value.
        {
          Effect: "Allow",
          Action: ["secretsmanager:DescribeSecret"],
          Resource: [ARN("secretsmanager", "GitHubCredentials")],
        },
        read(APP_SECRET),
      ],
      [WORKER]: workerStatements(QUEUE),
      [RECHECK_WORKER]: workerStatements(RECHECK_QUEUE),
      Api: [
        { Effect: "Allow", Action: ["events:PutEvents"], Resource: [BUS] },
        // "Re-check now" of a failing target (issue 25): to the re-check queue, never the sweep queue.
        { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [RECHECK_QUEUE] },
        read(ARN("secretsmanager", "AdminToken")),
        read(APP_SECRET),
      ],
      Webhook: [
        { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [RECHECK_QUEUE] },
        read(ARN("secretsmanager", "WebhookSecrets")),
        read(APP_SECRET),
      ],
      // The application secret at run time: drift_app gets the password the proxy authenticates it with.
      Migrate: [read(APP_SECRET)],
    };
    for (const [fn, statements] of Object.entries(expected)) {
      const role = roleOf(stack, fn);
      expect(inlineStatements(role), fn).toEqual(statements);
      expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement, fn).toEqual([
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "lambda.amazonaws.com" } },
      ]);
      expect(role.inputs.managedPolicyArns, fn).toEqual([
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
      ]);
    }
  });

  it("the API and the webhook send to the re-check queue's URL, the dispatcher to the sweep queue's", () => {
    const queueUrl = (fn: string) => lambda(stack, fn).environment.variables[RUNTIME_ENV.queueUrl];
    // The URL the mocked SQS queue resource reports (infra-sst-real.ts), as the functions receive it.
    const urlOf = (name: string) =>
      `https://sqs.us-east-1.amazonaws.com/123456789012/${stack.one("aws:sqs/queue:Queue", name).name}`;
    expect(queueUrl("Api")).toBe(urlOf("RecheckQueueQueue"));
    expect(queueUrl("Webhook")).toBe(urlOf("RecheckQueueQueue"));
    expect(queueUrl("Dispatcher")).toBe(urlOf("SweepQueueQueue"));
  });

  it("feeds the worker from the sweep queue with partial batch responses and a concurrency cap", () => {
    const mappings = stack.ofType("aws:lambda/eventSourceMapping:EventSourceMapping");
    const of = (fn: string) => mappings.find((m) => m.name.startsWith(fn))?.inputs;
    expect(of(WORKER)).toMatchObject({
      eventSourceArn: QUEUE,
      batchSize: 5,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: 5 },
    });
    // Both workers re-queue what they did not resolve in time to the re-check queue (issue 23).
    const recheckUrl = lambda(stack, "Webhook").environment.variables[RUNTIME_ENV.queueUrl];
    expect(recheckUrl).toMatch(/RecheckQueue/);
    for (const fn of [WORKER, RECHECK_WORKER])
      expect(lambda(stack, fn).environment.variables[RUNTIME_ENV.queueUrl], fn).toBe(recheckUrl);
    // Webhook re-checks: the same worker code with no batching window, at most 2 at once (issue 24).
    expect(of(RECHECK_WORKER)).toMatchObject({
      eventSourceArn: RECHECK_QUEUE,
      functionResponseTypes: ["ReportBatchItemFailures"],
      maximumBatchingWindowInSeconds: 0,
      scalingConfig: { maximumConcurrency: 2 },
    });
  });

  it("opens exactly two public URLs (api and webhook: auth is in the app) and caps the webhook's concurrency", () => {
    const urls = stack.ofType("aws:lambda/functionUrl:FunctionUrl");
    expect(urls.map((u) => [u.name, u.inputs.authorizationType])).toEqual([
      ["ApiUrl", "NONE"],
      ["WebhookUrl", "NONE"],
    ]);
    const permissions = stack
      .ofType("aws:lambda/permission:Permission")
      .map((p) => [p.name, p.inputs.action]);
    expect(permissions.sort()).toEqual([
      ["ApiInvokeFunction", "lambda:InvokeFunction"],
      ["ApiPublicFunctionUrlAccess", "lambda:InvokeFunctionUrl"],
      ["WebhookInvokeFunction", "lambda:InvokeFunction"],
      ["WebhookPublicFunctionUrlAccess", "lambda:InvokeFunctionUrl"],
    ]);
    expect(
      stack.one("aws:lambda/permission:Permission", "WebhookInvokeFunction").inputs.invokedViaFunctionUrl,
    ).toBe(true);
    expect(lambda(stack, "Webhook").reservedConcurrentExecutions).toBe(WEBHOOK_RESERVED_CONCURRENCY);
  });

  it("forces TLS from the proxy to the database (rds.force_ssl=1 in the parameter group)", () => {
    const group = stack.one("aws:rds/parameterGroup:ParameterGroup", "DatabaseParameterGroup").inputs as {
      parameters: { name: string; value: string }[];
    };
    expect(group.parameters.filter((p) => p.name === "rds.force_ssl")).toEqual([
      { name: "rds.force_ssl", value: "1" },
    ]);
  });

  it("sizes the dispatcher above its measured worst case and alarms on its reported max memory", () => {
    expect(lambda(stack, "Dispatcher").memorySize).toBe(DISPATCHER_MEMORY_MB);
    expect(835 * 1.048576).toBeLessThan(DISPATCHER_MEMORY_MB * 0.6); // 835 MiB under 60 % of the size
    const filter = stack.one(
      "aws:cloudwatch/logMetricFilter:LogMetricFilter",
      "DispatcherMaxMemoryUsed",
    ).inputs;
    expect(String(filter.logGroupName)).toMatch(
      /^\/aws\/lambda\/plugin-drift-sweeper-prod-DispatcherFunction-/,
    );
    // The source of the metric works in AWS: the dispatcher logs in Lambda's JSON format, and the filter takes
    // the peak memory of the platform's report record (and of nothing else the log group holds).
    expect(lambda(stack, "Dispatcher").loggingConfig).toMatchObject({
      logFormat: "JSON",
      systemLogLevel: "INFO", // platform.report is an INFO record: a WARN filter would starve the alarm
      applicationLogLevel: "INFO",
    });
    const transformation = filter.metricTransformation as { value: string; unit: string };
    expect([filter.pattern, transformation.value, transformation.unit]).toEqual([
      PLATFORM_REPORT_PATTERN,
      MAX_MEMORY_USED_VALUE,
      "Megabytes",
    ]);
    expect(
      PLATFORM_REPORT_SAMPLES.map((event) =>
        metricFilterValue(filter.pattern as string, transformation.value, event),
      ),
    ).toEqual([246, undefined, undefined, undefined]);
    const alarm = stack.one("aws:cloudwatch/metricAlarm:MetricAlarm", "AlarmDispatcherMemoryHigh").inputs;
    expect(alarm).toMatchObject({
      metricName: (filter.metricTransformation as { name: string }).name,
      statistic: "Maximum",
      threshold: Math.floor(DISPATCHER_MEMORY_MB * 0.8),
      treatMissingData: "notBreaching",
      actionsEnabled: true,
    });
  });

  it("creates the alarms of a production stage, actions on, and none breaches on missing data but NoCompletedSweep", () => {
    const alarms = stack.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => a.name).sort()).toEqual([
      "AlarmDispatcherErrors",
      "AlarmDispatcherMemoryHigh",
      "AlarmDispatcherSlow",
      "AlarmDlqNotEmpty",
      "AlarmFailureRatioHigh",
      "AlarmNoCompletedSweep",
      "AlarmNotificationsFailing",
      "AlarmRateBudgetLow",
      "AlarmRolloutHalted",
      "AlarmTagIntegrity",
      "AlarmWebhookSignaturesRejected",
    ]);
    expect(alarms.every((a) => a.inputs.actionsEnabled === true)).toBe(true);
    expect(alarms.filter((a) => a.inputs.treatMissingData !== "notBreaching").map((a) => a.name)).toEqual([
      "AlarmNoCompletedSweep",
    ]);
    // ...and that one counts a deploy (migrate's Deployments) and skipped sweeps as sweeps: quiet until the
    // first sweep could have run, and while the credentials are not set.
    const noSweep = stack.one("aws:cloudwatch/metricAlarm:MetricAlarm", "AlarmNoCompletedSweep").inputs as {
      metricQueries: { id: string; expression?: string; metric?: { metricName: string } }[];
    };
    const summed = noSweep.metricQueries.find((q) => q.expression)?.expression ?? "";
    for (const [id, metric] of [
      ["deployed", "Deployments"],
      ["skipped", "SweepsSkipped"],
    ]) {
      expect(noSweep.metricQueries.find((q) => q.id === id)?.metric?.metricName).toBe(metric);
      expect(summed).toContain(`FILL(${id}, 0)`);
    }
  });
});

describe("development stage on an external database", () => {
  let stack: RealStack;
  const OWNER = ARN("secretsmanager", "secret:platform-owner");
  const APP = ARN("secretsmanager", "secret:platform-app");
  beforeAll(async () => {
    stack = await deployReal("dev-ext", {
      DRIFT_DATABASE: "external",
      DRIFT_VPC_PRIVATE_SUBNETS: "subnet-1,subnet-2",
      DRIFT_VPC_SECURITY_GROUPS: "sg-1",
      DRIFT_EXTERNAL_DB_HOST: "proxy.example.internal",
      DRIFT_EXTERNAL_DB_NAME: "drift",
      DRIFT_EXTERNAL_DB_SECRET_ARN: OWNER,
      DRIFT_EXTERNAL_DB_APP_SECRET_ARN: APP,
    });
  }, 300_000);

  it("creates no database, proxy or VPC, and the functions read the registered application secret", () => {
    for (const type of ["aws:rds/instance:Instance", "aws:rds/proxy:Proxy", "aws:ec2/vpc:Vpc"]) {
      expect(stack.ofType(type), type).toEqual([]);
    }
    for (const fn of ["Dispatcher", "Api", "Webhook", WORKER, RECHECK_WORKER]) {
      expect(lambda(stack, fn).environment.variables[RUNTIME_ENV.dbSecretArn], fn).toBe(APP);
      expect(inlineStatements(roleOf(stack, fn)), fn).toContainEqual(read(APP));
    }
  });

  it("keeps the alarms of a development stage silent (actions off: its schedule is off)", () => {
    const alarms = stack.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms).toHaveLength(11);
    expect(alarms.every((a) => a.inputs.actionsEnabled === false)).toBe(true);
  });
});

/**
 * What a dispatcher log group holds in Lambda's JSON log format: the platform's report (a record as CloudWatch
 * stores it, the shape the Lambda developer guide documents for `platform.report`), its start record, a line of
 * the application's (Powertools Logger) and, for contrast, the text format's REPORT line.
 */
const PLATFORM_REPORT_SAMPLES = [
  '{"time":"2024-06-17T17:23:55.826Z","type":"platform.report","record":{"requestId":"40f6c622-67a3-4159-97f2-ce364a0cb7a8","metrics":{"durationMs":18.593,"billedDurationMs":19,"memorySizeMB":2048,"maxMemoryUsedMB":246},"status":"success"}}',
  '{"time":"2024-06-17T17:23:55.902Z","type":"platform.start","record":{"requestId":"ca52c236-a38d-40fc-aa6b-7e3be2b7aa55","version":"$LATEST"}}',
  '{"level":"INFO","message":"sweep dispatched","timestamp":"2024-06-17T17:23:55.900Z","service":"dispatcher","maxMemoryUsedMB":999}',
  "REPORT RequestId: 40f6c622-67a3-4159-97f2-ce364a0cb7a8\tDuration: 18.59 ms\tBilled Duration: 19 ms\tMemory Size: 2048 MB\tMax Memory Used: 246 MB\t",
];

/**
 * CloudWatch Logs' JSON metric filter, for the one form infra uses: `{ $.a.b = "text" }` selects JSON events whose
 * field equals the text, and the value `$.x.y` is that field of a selected event (a number); anything else is no
 * data. (Its semantics per the CloudWatch Logs filter pattern syntax; a pattern of another form fails here.)
 */
function metricFilterValue(pattern: string, value: string, event: string): number | undefined {
  const match = /^\{ \$\.([\w.]+) = "([^"]*)" \}$/.exec(pattern);
  const selector = /^\$\.([\w.]+)$/.exec(value);
  if (!match || !selector) throw new Error(`unsupported metric filter: ${pattern} / ${value}`);
  let json: unknown;
  try {
    json = JSON.parse(event);
  } catch {
    return undefined; // not JSON: a JSON pattern never matches it
  }
  const at = (path: string) =>
    path
      .split(".")
      .reduce<unknown>(
        (o, key) => (o && typeof o === "object" ? (o as Record<string, unknown>)[key] : undefined),
        json,
      );
  if (at(match[1] as string) !== match[2]) return undefined;
  const found = at(selector[1] as string);
  return typeof found === "number" ? found : undefined;
}
