export * from "./advance";
export * from "./events";
export * from "./ports";
export * from "./schema";
