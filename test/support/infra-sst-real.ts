/**
 * Runs infra/ against SST's real component code (.sst/platform, SST 4.17) under Pulumi's runtime mocks: every
 * resource the components register is recorded with its inputs, as `sst deploy` would send them to the engine.
 * What cannot run offline is stubbed at its edge: the SST CLI's RPC server (function builds, the bootstrap bucket)
 * is a local HTTP server answering those calls, and the provider functions (invokes) answer from the mocks below.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve as resolvePath } from "node:path";

const ROOT = resolvePath(import.meta.dirname, "../..");
export const PLATFORM = join(ROOT, ".sst/platform");

/** One resource the components registered: its Pulumi type token, logical name and inputs. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** One provider function call (e.g. `aws:iam/getPolicyDocument:getPolicyDocument`) and what it was asked. */
export interface Invoked {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: the platform's modules are loaded untyped on purpose
type Any = any;

/** AWS IAM's `getPolicyDocument`, computed locally: the statements as IAM would read them. */
function policyDocument(inputs: Record<string, Any>) {
  const statements = ((inputs.statements as Any[]) ?? []).map((s) => ({
    Effect: s.effect === "deny" || s.effect === "Deny" ? "Deny" : "Allow",
    Action: s.actions,
    Resource: s.resources,
    ...(s.conditions ? { Condition: s.conditions } : {}),
    ...(s.principals
      ? {
          Principal: Object.fromEntries(
            (s.principals as Any[]).map((p) => [
              p.type,
              p.identifiers.length === 1 ? p.identifiers[0] : p.identifiers,
            ]),
          ),
        }
      : {}),
  }));
  // The provider echoes its inputs (SST reads `statements` back: an empty list comes back unset) with the document.
  return {
    ...inputs,
    statements: statements.length ? inputs.statements : undefined,
    json: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  };
}

function invokeResult(token: string, inputs: Record<string, Any>): Record<string, unknown> {
  switch (token) {
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return policyDocument(inputs);
    case "aws:index/getRegion:getRegion":
      return { name: "us-east-1", region: "us-east-1", id: "us-east-1" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/test", userId: "test" };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:secretsmanager/getRandomPassword:getRandomPassword":
      return { randomPassword: "generated-password-0123456789" };
    case "aws:secretsmanager/getSecretVersion:getSecretVersion":
      return {
        arn: String(inputs.secretId),
        secretString: JSON.stringify({ username: "platform_owner", password: "owner-password" }),
      };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: ["us-east-1a", "us-east-1b", "us-east-1c"],
        zoneIds: ["use1-az1", "use1-az2", "use1-az3"],
      };
    default:
      if (process.env.SST_REAL_DEBUG) console.warn(`unmocked invoke ${token}`);
      return {};
  }
}

/** The outputs a mocked resource reports: its inputs plus the attributes the components read. */
function mockState(type: string, name: string, inputs: Record<string, Any>): Record<string, unknown> {
  const service = type.split(":")[1]?.split("/")[0] ?? "x";
  const arn =
    type === "aws:iam/role:Role"
      ? `arn:aws:iam::123456789012:role/${name}`
      : `arn:aws:${service}:us-east-1:123456789012:${name}`;
  const extra: Record<string, unknown> = { arn, name: inputs.name ?? name };
  if (type === "aws:sqs/queue:Queue") extra.url = `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`;
  if (type === "aws:lambda/functionUrl:FunctionUrl") extra.functionUrl = `https://${name}.lambda-url.aws/`;
  if (type === "aws:rds/proxy:Proxy") extra.endpoint = `${name}.proxy.rds.amazonaws.com`;
  if (type === "aws:rds/instance:Instance")
    Object.assign(extra, { address: `${name}.rds.amazonaws.com`, port: 5432 });
  if (type === "aws:lambda/function:Function") extra.invokeArn = `${arn}/invocations`;
  if (type === "aws:lambda/invocation:Invocation") extra.result = JSON.stringify({ applied: [] });
  if (type === "aws:cloudwatch/eventBus:EventBus") extra.name = inputs.name ?? name;
  return { ...extra, ...inputs };
}

/** The SST CLI's RPC server, as far as the components call it during a deploy. */
function startRpcServer(work: string): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const { method } = JSON.parse(body) as { method: string };
      let result: unknown = {};
      if (method === "Runtime.Build") {
        // The function build: a stand-in bundle (the real one is esbuild's; test/infra/bundle.test.ts covers it).
        const out = mkdtempSync(join(work, "build-"));
        writeFileSync(join(out, "index.mjs"), "export const handler = async () => ({});\n");
        result = { handler: "index.handler", out, errors: [], sourcemaps: [] };
      } else if (method === "Provider.Aws.Bootstrap") {
        result = { asset: "sst-asset-bucket", assetEcrRegistryId: "", assetEcrUrl: "", state: "sst-state" };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ result, error: null }));
    });
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

export interface RealStack {
  readonly resources: Registered[];
  readonly invokes: Invoked[];
  /** The resources of one Pulumi type. */
  ofType(type: string): Registered[];
  /** The one resource of a type whose logical name ends with `suffix`; throws unless exactly one. */
  one(type: string, suffix: string): Registered;
  readonly outputs: Record<string, unknown>;
}

const GLOBAL_NAMES = [
  "sst",
  "aws",
  "$app",
  "$dev",
  "$cli",
  "$util",
  "$interpolate",
  "$output",
  "$resolve",
  "$jsonParse",
  "$jsonStringify",
  "$concat",
  "$apply",
  "$asset",
  "$transform",
  "$linkable",
  "$secrets",
  "$print",
] as const;

/** Evaluates infra/ for a stage with SST's real components under Pulumi mocks; resolves once all settled. */
export async function deployReal(stage: string, env: Record<string, string> = {}): Promise<RealStack> {
  if (!existsSync(join(PLATFORM, "src/components/index.ts"))) {
    throw new Error("SST's platform code is missing: run `npx sst install --stage ci` (.ci/run does)");
  }
  const work = mkdtempSync(join(tmpdir(), "sst-real-"));
  mkdirSync(join(work, "artifacts"), { recursive: true });
  const server = await startRpcServer(work);
  const address = server.address() as { port: number };
  process.env.SST_SERVER = `http://127.0.0.1:${address.port}`;
  const pulumi: Any = await import(join(PLATFORM, "node_modules/@pulumi/pulumi/index.js"));
  const resources: Registered[] = [];
  const invokes: Invoked[] = [];
  const pending: Promise<unknown>[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: Any) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) };
      },
      call(args: Any) {
        invokes.push({ token: args.token, inputs: args.inputs });
        return invokeResult(args.token, args.inputs);
      },
    },
    "plugin-drift-sweeper",
    stage,
    false,
  );
  const g = globalThis as Any;
  const saved = Object.fromEntries(GLOBAL_NAMES.map((n) => [n, g[n]]));
  try {
    const component: Any = await import(join(PLATFORM, "src/components/component.ts"));
    const { Link }: Any = await import(join(PLATFORM, "src/components/link.ts"));
    Object.assign(g, {
      aws: await import(join(PLATFORM, "node_modules/@pulumi/aws/index.js")),
      $app: {
        name: "plugin-drift-sweeper",
        stage,
        removal: "retain",
        protect: false,
        providers: { aws: { region: "us-east-1" } },
      },
      $dev: false,
      $cli: { command: "deploy", paths: { root: ROOT, work, platform: PLATFORM }, state: { version: {} } },
      $util: pulumi,
      $interpolate: pulumi.interpolate,
      $output: pulumi.output,
      $resolve: pulumi.all,
      $jsonParse: pulumi.jsonParse,
      $jsonStringify: pulumi.jsonStringify,
      $concat: pulumi.concat,
      $apply: pulumi.apply,
      $asset: component.$asset,
      $transform: component.$transform,
      $linkable: Link.makeLinkable,
      $secrets: {},
      $print: () => undefined,
    });
    g.sst = await import(join(PLATFORM, "src/components/index.ts"));
    const { deploy } = await import("../../infra");
    const outputs = deploy(env) as Record<string, unknown>;
    const settled: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
      settled[key] = await new Promise((ok) => pulumi.output(value).apply(ok));
    }
    await Promise.all(pending);
    // Let the engine finish registering what the outputs did not wait for.
    for (let i = 0; i < 20; i++) await new Promise((ok) => setImmediate(ok));
    // Sorted by logical name: components register asynchronously, so arrival order varies run to run.
    const ofType = (type: string) =>
      resources.filter((r) => r.type === type).sort((a, b) => a.name.localeCompare(b.name));
    return {
      resources,
      invokes,
      outputs: settled,
      ofType,
      one(type, suffix) {
        const found = ofType(type).filter((r) => r.name.endsWith(suffix));
        if (found.length !== 1) {
          throw new Error(
            `${type} *${suffix}: ${found.length} found (${ofType(type)
              .map((r) => r.name)
              .join(", ")})`,
          );
        }
        return found[0] as Registered;
      },
    };
  } finally {
    for (const n of GLOBAL_NAMES) g[n] = saved[n];
    server.close();
  }
}
