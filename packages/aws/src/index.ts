export * from "./admin-token";
export * from "./credentials-resolver";
export * from "./event-notifier";
export * from "./handlers";
export * from "./log";
export * from "./metrics-sink";
export * from "./secret-json";
export * from "./sqs-queue";
