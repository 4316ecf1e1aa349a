export * from "./deliver";
export * from "./transport";
export * from "./url-guard";
