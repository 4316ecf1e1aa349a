export * from "./event-notifier";
export * from "./handlers";
export * from "./metrics-sink";
export * from "./sqs-queue";
