export * from "./admin-page";
export * from "./app";
export * from "./auth";
export * from "./errors";
export * from "./events";
export * from "./logger";
export * from "./notifier";
