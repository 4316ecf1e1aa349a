export * from "./app";
export * from "./events";
export * from "./verify";
