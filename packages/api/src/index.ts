export * from "./admin-page";
export * from "./app";
export * from "./auth";
export * from "./errors";
export * from "./updates";
export * from "./access";
