export * from "./client";
export * from "./drift-store";
export * from "./event-outbox";
export * from "./mapping-store";
export * from "./migrate";
export * from "./reporting-store";
export * from "./sweep-store";
export * from "./update-store";
