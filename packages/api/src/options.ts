import type { Log, MessageQueue, Notifier, WebBases } from "@drift/core";
import type { Sql } from "@drift/db";
import type { NotifySettings } from "@drift/notify";
import type { AdminAuth } from "./auth";

/** What the admin app is built from (the Lambda, `drift serve` and tests each pass their own). */
export interface AdminAppOptions {
  readonly sql: Sql;
  readonly auth: AdminAuth;
  /** Origins allowed to call the API from a browser (exact match, e.g. `https://admin.example.com`). */
  readonly corsOrigins: readonly string[];
  /** Publishes `plugin.update.applied` after an apply commits (from the outbox). */
  readonly notifier: Notifier;
  readonly logger?: Log;
  /** Called once per state change (for metrics: UpdatesApplied / UpdatesDismissed / UpdatesRolledBack). */
  readonly onDecision?: (decision: "applied" | "dismissed" | "rolled_back") => void;
  /** Rollout metrics: waves started, rollouts halted, rows rolled back by a halt. */
  readonly onRollout?: (event: "wave_started" | "halted" | "rolled_back", n: number) => void;
  /** The clock rollouts are judged by (tests inject one). */
  readonly now?: () => Date;
  /** Largest request body accepted, in bytes (default 16 KiB; the bulk route 64 KiB); larger is 413. */
  readonly maxBodyBytes?: number;
  /** Web bases for repository links of rows whose review packet is not fetched yet (default github.com). */
  readonly webBases?: WebBases;
  /** Where "re-check now" queues a target (the sweep's queue); absent: the target is made due for the next sweep. */
  readonly recheckQueue?: MessageQueue;
  /**
   * The environment minted tokens carry (`drift_<environment>_…`, the stage; default `local`): a token of another
   * environment is refused with 401.
   */
  readonly tokenEnvironment?: string;
  /** How notification URLs are checked and test messages sent (default: no loopback, no admin link). */
  readonly notify?: NotifySettings;
}

/** The options every sub-app reads, with the logger defaulted. */
export type AppContext = AdminAppOptions & { readonly logger: Log };
