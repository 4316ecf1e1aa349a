/**
 * Recording fakes of the SST / Pulumi globals (`sst`, `aws`, `$app`, `$resolve`, ...), so infra/ can be
 * evaluated without AWS: every component constructor records (type, name, args, opts) and returns an object
 * with the outputs infra reads (name, arn, url, nodes, subscribe). Anything infra touches that is not faked
 * throws, naming it, so a new API used in infra cannot pass unnoticed.
 */

/** A resolved-at-once stand-in for a Pulumi Output. */
export class FakeOutput<T> {
  constructor(readonly value: T) {}
  apply<U>(fn: (value: T) => U): FakeOutput<U extends FakeOutput<infer V> ? V : U> {
    const result = fn(this.value);
    return (result instanceof FakeOutput ? result : new FakeOutput(result)) as FakeOutput<
      U extends FakeOutput<infer V> ? V : U
    >;
  }
}

/** One recorded constructor call (or `Queue.subscribe`). */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly opts: Record<string, unknown> | undefined;
  readonly instance: FakeComponent;
}

/** What a fake component exposes; values are FakeOutputs named after the component. */
export interface FakeComponent {
  readonly __record: Recorded;
  readonly [key: string]: unknown;
}

/** Resolves FakeOutputs anywhere inside a value (objects and arrays), leaving fake components as they are. */
export function resolve(value: unknown): unknown {
  if (value instanceof FakeOutput) return resolve(value.value);
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === "object" && !("__record" in value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  }
  return value;
}

const INSPECTION_PROBES = new Set(["then", "toJSON", "asymmetricMatch", "nodeType", "tagName", "$$typeof"]);

/** Fails loudly when infra reads a property the fake does not provide. */
function strict<T extends object>(path: string, target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (typeof prop === "symbol" || prop in obj) return Reflect.get(obj, prop, receiver);
      // Probes by await, JSON and vitest's printer are not infra reading an output.
      if (INSPECTION_PROBES.has(prop) || prop.startsWith("$$") || prop.startsWith("@@")) return undefined;
      throw new Error(
        `infra fake: ${path}.${String(prop)} is not faked (add it to test/support/infra-fakes.ts)`,
      );
    },
  });
}

export interface InfraFakes {
  readonly records: Recorded[];
  /** The recorded calls of one type, e.g. "sst.aws.Function". */
  ofType(type: string): Recorded[];
  /** The single record of a type and name; throws when absent. */
  get(type: string, name: string): Recorded;
  /** The record that created a fake component instance. */
  recordOf(instance: unknown): Recorded;
  /** Removes the globals again. */
  uninstall(): void;
}

const GLOBALS = [
  "sst",
  "aws",
  "$app",
  "$dev",
  "$interpolate",
  "$output",
  "$resolve",
  "$jsonParse",
  "$jsonStringify",
  "$util",
];

/**
 * Installs the fakes on globalThis for stage `stage`.
 *
 * @example
 * const fakes = installInfraFakes("prod");
 * const outputs = deploy({});
 * fakes.ofType("sst.aws.Function");
 */
export function installInfraFakes(stage: string, appName = "plugin-drift-sweeper"): InfraFakes {
  const records: Recorded[] = [];

  function fakeOutputsFor(
    type: string,
    name: string,
    args: Record<string, unknown>,
  ): Record<string, unknown> {
    const id = `${appName}-${stage}-${name}`;
    const base: Record<string, unknown> = {
      name: new FakeOutput(id),
      arn: new FakeOutput(`arn:aws:fake:${type}:${id}`),
      id: new FakeOutput(id),
      url: new FakeOutput(`https://fake/${id}`),
    };
    switch (type) {
      case "sst.aws.Function":
        base.nodes = {
          function: new FakeOutput({ name: base.name, codeSha256: new FakeOutput(`hash-of-${name}`) }),
          logGroup: new FakeOutput({ name: new FakeOutput(`/aws/lambda/${id}`) }),
        };
        break;
      case "sst.aws.Queue":
        base.nodes = { queue: { name: base.name, arn: base.arn, url: base.url } };
        break;
      case "sst.aws.Postgres":
        base.host = new FakeOutput(`${id}.proxy.fake`);
        base.port = new FakeOutput(5432);
        base.database = new FakeOutput(args.database ?? appName);
        base.username = new FakeOutput("postgres");
        base.password = new FakeOutput("fake-password");
        break;
      case "aws.cloudwatch.Dashboard":
        base.dashboardName = new FakeOutput(args.dashboardName);
        break;
      case "aws.secretsmanager.SecretVersion":
        // The stored value: what the resource's `secretString` output holds after the deploy.
        base.secretString = new FakeOutput(resolve(args.secretString));
        break;
      case "aws.lambda.Invocation":
        base.result = new FakeOutput('{"applied":[]}');
        break;
    }
    return base;
  }

  type FakeConstructor = new (
    name: string,
    args?: Record<string, unknown>,
    opts?: Record<string, unknown>,
  ) => FakeComponent;

  /** A constructor whose instances record themselves; `new` returns a strict proxy of the instance. */
  function component(type: string): FakeConstructor {
    return function FakeResource(
      name: string,
      args: Record<string, unknown> = {},
      opts?: Record<string, unknown>,
    ) {
      const self: Record<string, unknown> = {};
      Object.assign(self, fakeOutputsFor(type, name, args));
      const proxy = strict(`${type}("${name}")`, self);
      const record: Recorded = { type, name, args, opts, instance: proxy as unknown as FakeComponent };
      self.__record = record;
      if (type === "sst.aws.Queue") {
        self.subscribe = (subscriber: unknown, subArgs: Record<string, unknown> = {}, subOpts?: unknown) => {
          const fnName = `${name}Subscriber`;
          const fnArgs = (typeof subscriber === "string" ? { handler: subscriber } : subscriber) as Record<
            string,
            unknown
          >;
          const fn = new (component("sst.aws.Function"))(fnName, fnArgs);
          const sub = { nodes: { function: new FakeOutput(fn), eventSourceMapping: {} } };
          records.push({
            type: "sst.aws.Queue.subscribe",
            name,
            args: { queue: proxy, subscriber: fn, ...subArgs },
            opts: subOpts as Record<string, unknown> | undefined,
            instance: sub as unknown as FakeComponent,
          });
          return new FakeOutput(sub);
        };
      }
      records.push(record);
      return proxy;
    } as unknown as FakeConstructor;
  }

  const resolveAll = (values: unknown[]) => new FakeOutput(values.map((v) => resolve(v)));
  const fakeGlobals: Record<string, unknown> = {
    sst: strict("sst", {
      Linkable: component("sst.Linkable"),
      aws: strict("sst.aws", {
        Vpc: component("sst.aws.Vpc"),
        Postgres: component("sst.aws.Postgres"),
        Queue: component("sst.aws.Queue"),
        Function: component("sst.aws.Function"),
        CronV2: component("sst.aws.CronV2"),
        Bus: component("sst.aws.Bus"),
        SnsTopic: component("sst.aws.SnsTopic"),
      }),
    }),
    aws: strict("aws", {
      // Pulumi lifts properties of an Output: getRegionOutput().region is an Output<string>.
      getRegionOutput: () => ({ region: new FakeOutput("eu-west-1") }),
      secretsmanager: strict("aws.secretsmanager", {
        Secret: component("aws.secretsmanager.Secret"),
        SecretVersion: component("aws.secretsmanager.SecretVersion"),
        getRandomPasswordOutput: (args: { passwordLength?: number }) => ({
          randomPassword: new FakeOutput(`generated-${args.passwordLength ?? 32}-char-password`),
        }),
        getSecretVersionOutput: (args: { secretId: string }) => ({
          secretString: new FakeOutput(
            JSON.stringify({ username: "platform", password: `pw-from-${args.secretId}` }),
          ),
        }),
      }),
      lambda: strict("aws.lambda", { Invocation: component("aws.lambda.Invocation") }),
      cloudwatch: strict("aws.cloudwatch", {
        Dashboard: component("aws.cloudwatch.Dashboard"),
        MetricAlarm: component("aws.cloudwatch.MetricAlarm"),
        LogMetricFilter: component("aws.cloudwatch.LogMetricFilter"),
      }),
      sns: strict("aws.sns", { TopicSubscription: component("aws.sns.TopicSubscription") }),
    }),
    $app: { name: appName, stage, removal: "remove", protect: false, providers: {} },
    $dev: false,
    $interpolate: (strings: TemplateStringsArray, ...values: unknown[]) =>
      new FakeOutput(
        strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(resolve(values[i])) : ""), ""),
      ),
    $output: (value: unknown) => new FakeOutput(resolve(value)),
    $resolve: (values: unknown[]) => resolveAll(values),
    $jsonParse: (value: unknown) => new FakeOutput(JSON.parse(String(resolve(value)))),
    $jsonStringify: (value: unknown) => new FakeOutput(JSON.stringify(resolve(value))),
    $util: strict("$util", {
      secret: (value: unknown) => value,
      output: (value: unknown) => new FakeOutput(resolve(value)),
    }),
  };
  const g = globalThis as Record<string, unknown>;
  for (const key of GLOBALS) g[key] = fakeGlobals[key];

  const ofType = (type: string) => records.filter((r) => r.type === type);
  return {
    records,
    ofType,
    get(type, name) {
      const found = records.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
      return found[0] as Recorded;
    },
    recordOf(instance) {
      const record = (instance as { __record?: Recorded } | null)?.__record;
      if (!record) throw new Error("not a fake component");
      return record;
    },
    uninstall() {
      for (const key of GLOBALS) delete g[key];
    },
  };
}
