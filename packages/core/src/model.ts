/**
 * `@drift/core/model`: the domain (types and pure rules) and the ports adapters implement, without a use case.
 * packages/db imports core only from here (`npm run check:imports`, rule db-holds-no-use-case): a store runs
 * SQL for a use case, it never orchestrates one. Everything else imports `@drift/core` (this plus the use cases).
 */
export * from "./backoff";
export * from "./chunk";
export * from "./deadline";
export * from "./decisions/decision";
export * from "./decisions/decision-port";
export * from "./deferral";
export * from "./display";
export * from "./events/outbox-port";
export * from "./events/platform-events";
export * from "./input-text";
export * from "./mapping";
export * from "./metrics";
export * from "./notifications/notify-events";
export * from "./notifications/notify-format";
export * from "./notifications/notify-input";
export * from "./notifications/notify-port";
export * from "./notifications/notify-retry";
export * from "./notifications/notify-url";
export * from "./parse-result";
export * from "./policies/policy-port";
export * from "./policy";
export * from "./policy-schema";
export * from "./ports";
export * from "./recheck";
export * from "./resolution";
export * from "./review";
export * from "./review-types";
export * from "./rollouts/events";
export * from "./rollouts/ports";
export * from "./rollouts/schema";
export * from "./settings";
export * from "./sha";
export * from "./source";
export * from "./sweep-message";
export * from "./tag-integrity";
export * from "./target";
export * from "./tracked-ref";
export * from "./uuid";
export * from "./web-url";
