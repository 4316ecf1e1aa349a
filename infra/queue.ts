/**
 * The sweep queue and its dead-letter queue, and the numbers that must agree with the worker.
 *
 * AWS asks for a visibility timeout of at least six times the consumer's timeout (plus the batching window) so
 * a message is not handed to a second worker while the first is still retrying it.
 */

/** Worker Lambda timeout. One message holds about 100 repositories of targets: one or two GraphQL calls. */
export const WORKER_TIMEOUT_SECONDS = 120;
/** Messages per worker invocation. Small: each message already carries many targets. */
export const WORKER_BATCH_SIZE = 5;
/** Seconds the event source waits to fill a batch (the dispatcher sends in bursts, so batches fill fast). */
export const WORKER_BATCH_WINDOW_SECONDS = 2;
/** Receives before a message goes to the DLQ: transient failures get several tries, poison stops there. */
export const DLQ_MAX_RECEIVE_COUNT = 5;
export const QUEUE_VISIBILITY_TIMEOUT_SECONDS = 6 * WORKER_TIMEOUT_SECONDS + WORKER_BATCH_WINDOW_SECONDS;
/**
 * Webhook re-checks wait for no batch: a delivery is one message, and the 2 s window would be most of the time
 * from a push to its pending row. Their own queue, read by the same worker code with no batching window.
 */
export const RECHECK_BATCH_WINDOW_SECONDS = 0;
export const RECHECK_VISIBILITY_TIMEOUT_SECONDS = 6 * WORKER_TIMEOUT_SECONDS + RECHECK_BATCH_WINDOW_SECONDS;

/**
 * The sweep queue (dispatcher → workers) and the re-check queue (webhooks → the same worker code, no batching
 * window), with one DLQ (14 days to look at what failed, the SQS maximum).
 */
export function createQueues() {
  const dlq = new sst.aws.Queue("SweepDlq", {
    transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
  });
  const queue = new sst.aws.Queue("SweepQueue", {
    visibilityTimeout: `${QUEUE_VISIBILITY_TIMEOUT_SECONDS} seconds`,
    dlq: { queue: dlq.arn, retry: DLQ_MAX_RECEIVE_COUNT },
    // A message older than a day belongs to a sweep long superseded; the next sweep re-dispatches its targets.
    transform: { queue: { messageRetentionSeconds: 24 * 3600 } },
  });
  const recheckQueue = new sst.aws.Queue("RecheckQueue", {
    visibilityTimeout: `${RECHECK_VISIBILITY_TIMEOUT_SECONDS} seconds`,
    dlq: { queue: dlq.arn, retry: DLQ_MAX_RECEIVE_COUNT },
    // An hour-old re-check is the next sweep's work.
    transform: { queue: { messageRetentionSeconds: 3600 } },
  });
  return { queue, recheckQueue, dlq };
}

/** The IAM statement the dispatcher needs to fan out (SendMessageBatch is authorised as SendMessage). */
export function sendTo(queue: sst.aws.Queue): sst.aws.FunctionPermissionArgs {
  return { actions: ["sqs:SendMessage", "sqs:GetQueueAttributes"], resources: [queue.arn] };
}
