import { RUNTIME_ENV } from "../../packages/aws/src/runtime-env";
import { publishTo } from "../events";
import {
  RECHECK_BATCH_WINDOW_SECONDS,
  WORKER_BATCH_SIZE,
  WORKER_BATCH_WINDOW_SECONDS,
  WORKER_TIMEOUT_SECONDS,
} from "../queue";
import { readSecret } from "../secrets";
import { baseFunctionArgs, databaseSecretRead, type FunctionContext, functionOptions } from "./common";

/**
 * The worker: consumes the sweep queue, resolves targets through GitHub and writes drift to Postgres.
 *
 * - partial batch responses: only the messages that failed transiently come back;
 * - maximum concurrency on the event source: at most N workers hold a Postgres connection at once, and SQS
 *   simply waits (no throttling errors, no early trips to the DLQ as reserved concurrency would cause);
 * - the only secret it may read is the GitHub credentials;
 * - it may send to the re-check queue only: what it did not resolve in time goes back there with a short backoff
 *   (SQS DelaySeconds), never to the DLQ;
 * - it publishes `plugin.update.applied` for the updates its policies apply, as soon as they are applied.
 */
export function createWorker(
  ctx: FunctionContext,
  queues: { readonly consumes: sst.aws.Queue; readonly requeuesTo: sst.aws.Queue },
  githubSecret: aws.secretsmanager.Secret,
  bus: sst.aws.Bus,
  path: { windowSeconds: number; maxConcurrency: number } = {
    windowSeconds: WORKER_BATCH_WINDOW_SECONDS,
    maxConcurrency: ctx.settings.workerMaxConcurrency,
  },
) {
  const subscriber = queues.consumes.subscribe(
    {
      ...baseFunctionArgs(ctx, "worker", {
        [RUNTIME_ENV.githubSecretArn]: githubSecret.arn,
        [RUNTIME_ENV.githubApiUrl]: ctx.settings.githubApiUrl,
        [RUNTIME_ENV.minReleaseAge]: ctx.settings.minReleaseAge,
        [RUNTIME_ENV.eventBusName]: bus.name,
        [RUNTIME_ENV.queueUrl]: queues.requeuesTo.url,
        // Powertools Parameters cache: a rotated secret is picked up within five minutes (the worker rebuilds its
        // resolver when the credentials it reads change).
        POWERTOOLS_PARAMETERS_MAX_AGE: "300",
      }),
      description: "Plugin drift sweeper: resolves targets and records drift",
      timeout: `${WORKER_TIMEOUT_SECONDS} seconds`,
      memory: "1024 MB",
      permissions: [
        readSecret(githubSecret),
        publishTo(bus),
        { actions: ["sqs:SendMessage"], resources: [queues.requeuesTo.arn] },
        ...databaseSecretRead(ctx),
      ],
    },
    {
      batch: {
        size: WORKER_BATCH_SIZE,
        window: `${path.windowSeconds} seconds`,
        partialResponses: true,
      },
      transform: {
        eventSourceMapping: {
          scalingConfig: { maximumConcurrency: path.maxConcurrency },
        },
      },
    },
    functionOptions(ctx),
  );
  return {
    subscriber,
    functionName: subscriber.apply((s) => s.nodes.function.apply((fn) => fn.name)),
  };
}

/**
 * The re-check path: webhook re-checks on their own queue, read by the same worker code and settings with no
 * batching window (a delivery is handled as soon as it is queued) and at most 2 at once (the Lambda minimum):
 * re-checks are few, and the sweep's workers keep their share of Postgres.
 */
export function createRecheckWorker(
  ctx: FunctionContext,
  recheckQueue: sst.aws.Queue,
  githubSecret: aws.secretsmanager.Secret,
  bus: sst.aws.Bus,
) {
  return createWorker(ctx, { consumes: recheckQueue, requeuesTo: recheckQueue }, githubSecret, bus, {
    windowSeconds: RECHECK_BATCH_WINDOW_SECONDS,
    maxConcurrency: 2,
  });
}
