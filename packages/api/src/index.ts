export * from "./access";
export * from "./admin-page";
export * from "./app";
export * from "./auth";
export * from "./errors";
export * from "./openapi/document";
export * from "./openapi/routes";
export * from "./updates";
