export * from "./cli";
export * from "./command";
export * from "./database";
