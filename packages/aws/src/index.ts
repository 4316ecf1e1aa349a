export * from "./credentials-resolver";
export * from "./event-notifier";
export * from "./github-credentials";
export * from "./handlers";
export * from "./log";
export * from "./metrics-sink";
export * from "./sqs-queue";
export * from "./webhook-secrets";
