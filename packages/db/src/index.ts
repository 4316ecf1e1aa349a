export * from "./admin-store";
export * from "./client";
export * from "./drift-store";
export * from "./mapping-store";
export * from "./migrate";
export * from "./sweep-store";
