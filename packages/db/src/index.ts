export * from "./client";
export * from "./drift-store";
export * from "./mapping-store";
export * from "./migrate";
