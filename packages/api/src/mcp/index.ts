export * from "./http";
export * from "./tools";
