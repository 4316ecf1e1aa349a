import {
  createPolicyStep,
  type DecisionAction,
  type DecisionOptions,
  decide,
  type Log,
  type Notifier,
  type PolicyStepDeps,
  publishPendingEvents,
} from "@drift/core";
import { createDecisionStore, createEventOutbox, createPolicyStore, type Sql } from "@drift/db";

/** The decision and policy use cases (@drift/core) over one database's stores, wired as the handlers wire them. */

export const decideIn = (sql: Sql, id: string, action: DecisionAction, options?: DecisionOptions) =>
  decide(createDecisionStore(sql), id, action, options);

export const publishPendingIn = (sql: Sql, notifier: Notifier, log?: Log) =>
  publishPendingEvents(createEventOutbox(sql), notifier, log);

export const policyStepIn = (sql: Sql, options: Omit<PolicyStepDeps, "policies" | "decisions" | "outbox">) =>
  createPolicyStep({
    policies: createPolicyStore(sql),
    decisions: createDecisionStore(sql),
    outbox: createEventOutbox(sql),
    ...options,
  });
