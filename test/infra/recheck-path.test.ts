/**
 * Webhook re-checks have a path of their own (issue 24): their own queue, read by the same worker code with no
 * batching window, so a push is re-checked as soon as it is queued instead of after the sweep worker's 2 s wait.
 */
import { afterEach, describe, expect, it } from "vitest";
import { WORKER_BATCH_WINDOW_SECONDS } from "../../infra/queue";
import { RUNTIME_ENV } from "../../packages/aws/src/runtime-env";
import {
  deployStage,
  env,
  functionsOf,
  permissionResources,
  seconds,
  subscriptionOf,
  uninstallInfra,
} from "../support/infra-deploy";
import { resolve } from "../support/infra-fakes";

afterEach(uninstallInfra);

function deployed() {
  const d = deployStage("prod");
  const f = d.fakes;
  const recheck = subscriptionOf(f, "RecheckQueue");
  return { f, outputs: d.outputs, recheck, recheckWorker: f.recordOf(recheck.args.subscriber) };
}

const windowOf = (sub: { args: Record<string, unknown> }) =>
  seconds((sub.args.batch as { window: string }).window);

describe("the re-check path", () => {
  it("reads the re-check queue with the worker's code and no batching window; the sweep keeps its window", () => {
    const { f, recheck, recheckWorker } = deployed();
    const { worker, subscribe } = functionsOf(f);
    expect(windowOf(recheck)).toBe(0);
    expect(windowOf(subscribe)).toBe(WORKER_BATCH_WINDOW_SECONDS);
    expect(WORKER_BATCH_WINDOW_SECONDS).toBeGreaterThan(0);
    // Same code, same settings, same service (its metrics are the worker's).
    expect(recheckWorker.args.handler).toBe(worker.args.handler);
    expect(recheckWorker.args.timeout).toBe(worker.args.timeout);
    expect(recheckWorker.args.memory).toBe(worker.args.memory);
    expect(env(recheckWorker)).toEqual(env(worker));
    expect(permissionResources(recheckWorker)).toEqual(permissionResources(worker));
    const batch = recheck.args.batch as { partialResponses: boolean };
    expect(batch.partialResponses).toBe(true);
    const transform = recheck.args.transform as {
      eventSourceMapping: { scalingConfig: { maximumConcurrency: number } };
    };
    expect(transform.eventSourceMapping.scalingConfig.maximumConcurrency).toBe(2);
  });

  it("the webhook sends to the re-check queue only; the queue has the DLQ and a visibility timeout ≥ 6× the worker's", () => {
    const { f, outputs, recheckWorker } = deployed();
    const webhook = f.get("sst.aws.Function", "Webhook");
    const queue = f.get("sst.aws.Queue", "RecheckQueue");
    expect(env(webhook)[RUNTIME_ENV.queueUrl]).toBe(resolve(queue.instance.url));
    const sends = permissionResources(webhook).filter((p) => p.actions.includes("sqs:SendMessage"));
    expect(sends).toEqual([{ actions: ["sqs:SendMessage"], resources: [resolve(queue.instance.arn)] }]);
    const redrive = queue.args.dlq as { queue: unknown };
    expect(resolve(redrive.queue)).toBe(resolve(f.get("sst.aws.Queue", "SweepDlq").instance.arn));
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThanOrEqual(
      6 * seconds(recheckWorker.args.timeout),
    );
    expect(resolve((outputs as Record<string, unknown>).recheckQueueUrl)).toBe(resolve(queue.instance.url));
  });
});
