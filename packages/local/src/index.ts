export * from "./cli";
export * from "./command";
export * from "./database";
export * from "./in-process-queue";
export * from "./local-queue";
export * from "./logger";
export * from "./metrics-collector";
export * from "./runner";
