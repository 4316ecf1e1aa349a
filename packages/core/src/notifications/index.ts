export * from "./notify-deliver";
export * from "./notify-events";
export * from "./notify-format";
export * from "./notify-input";
export * from "./notify-retry";
export * from "./notify-url";
