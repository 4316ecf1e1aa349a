import { RUNTIME_ENV } from "../../packages/aws/src/runtime-env";
import { publishTo } from "../events";
import { sendTo } from "../queue";
import { describeSecret } from "../secrets";
import { baseFunctionArgs, databaseSecretRead, type FunctionContext, functionOptions } from "./common";

/**
 * The dispatcher's size, from a measurement (docs/deploy.md, "Dispatcher sizing"; scripts/dispatcher-sizing.ts):
 * the first sweep of 1,000,000 rows, every row with its own installed SHA, took 44 s wall and 17 s of CPU under a
 * 0.58 vCPU quota (what 1,024 MB buys); peak RSS 835 MiB (82 % of 1,024 MB), so the function has 1,536 MB: 46 %
 * headroom over that worst case, and the MemoryHigh alarm (infra/memory-alarm.ts) pages at 80 % of it. 10 minutes
 * leaves over ten times that run; the Duration alarm fires at 70 % of it.
 */
export const DISPATCHER_MEMORY_MB = 1536;
export const DISPATCHER_TIMEOUT_SECONDS = 600;
/** Maximum duration (seconds) above which the DispatcherSlow alarm fires: 70 % of the timeout. */
export const DISPATCHER_SLOW_SECONDS = Math.round(DISPATCHER_TIMEOUT_SECONDS * 0.7);

/**
 * The dispatcher: started by the hourly schedule, pages the due targets and fans them out to the queue.
 * It may send to the sweep queue and publish to the event bus (outbox retries); it reads no secret, but may ask
 * whether the GitHub credentials secret has a value yet (DescribeSecret: metadata only), so that a first deploy
 * records skipped sweeps instead of filling the dead-letter queue.
 */
export function createDispatcher(
  ctx: FunctionContext,
  queue: sst.aws.Queue,
  bus: sst.aws.Bus,
  githubSecret: aws.secretsmanager.Secret,
) {
  const base = baseFunctionArgs(ctx, "dispatcher", {
    [RUNTIME_ENV.queueUrl]: queue.url,
    [RUNTIME_ENV.eventBusName]: bus.name,
    [RUNTIME_ENV.githubSecretArn]: githubSecret.arn,
  });
  return new sst.aws.Function(
    "Dispatcher",
    {
      ...base,
      transform: { ...base.transform, function: jsonLogLevels(ctx) },
      description: "Plugin drift sweeper: pages due targets and sends them to the sweep queue",
      timeout: `${DISPATCHER_TIMEOUT_SECONDS} seconds`,
      memory: `${DISPATCHER_MEMORY_MB} MB`,
      // No async retries: the next hourly run is the retry, and a retry after a partial fan-out would only be
      // refused by the sweep's overlap guard. A dispatcher that keeps failing trips DispatcherErrors at once.
      retries: 0,
      // Lambda's JSON log format: the platform's report of each run is a JSON record whose peak memory the
      // DispatcherMemoryHigh alarm's metric filter reads by name (infra/memory-alarm.ts).
      logging: { retention: ctx.settings.logRetention, format: "json" },
      // The bus: it republishes `plugin.update.applied` events whose publish failed after an apply (outbox).
      permissions: [sendTo(queue), publishTo(bus), describeSecret(githubSecret), ...databaseSecretRead(ctx)],
    },
    functionOptions(ctx),
  );
}

/**
 * The levels Lambda keeps in the JSON log format, said explicitly: system logs at INFO (`platform.report`, the
 * memory alarm's source, is an INFO record), application logs at Powertools' level for the stage.
 */
function jsonLogLevels(ctx: FunctionContext) {
  return (args: aws.lambda.FunctionArgs): undefined => {
    args.loggingConfig = $output(args.loggingConfig).apply((config) => ({
      ...config,
      logFormat: "JSON",
      systemLogLevel: "INFO",
      applicationLogLevel: ctx.settings.production ? "INFO" : "DEBUG",
    }));
    return undefined;
  };
}
