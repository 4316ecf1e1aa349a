export * from "./mapping";
export * from "./metrics";
export * from "./parse-result";
export * from "./resolution";
export * from "./sha";
export * from "./source";
export * from "./target";
export * from "./tracked-ref";
