/** `@drift/core`: the model (./model: domain and ports) and the use cases that run on it. */
export * from "./decisions/decide";
export * from "./dispatch";
export * from "./events/notifier";
export * from "./events/publish-events";
export * from "./log-notifier";
export * from "./model";
export * from "./notifications/notify-deliver";
export * from "./policies/policy-step";
export * from "./process-message";
export * from "./rollouts/advance";
export * from "./rollouts/policy-delivery";
export * from "./rollouts/rollout-decisions";
