import { parseArgs } from "node:util";
import { createAdminApp, tokenEnvironment } from "@drift/api";
import { startAdminServer } from "@drift/api/node-server";
import { withWebhooks } from "@drift/api/webhooks";
import {
  createLogNotifier,
  githubWebBase,
  type Log,
  type MessageQueue,
  parseAdminToken,
  parseCorsOrigins,
  publishPendingEvents,
  SettingError,
} from "@drift/core";
import { createEventOutbox, type Sql } from "@drift/db";
import type { Hono } from "hono";
import { type Command, UsageError } from "../command";
import { EmbeddedBusyError, openDatabase } from "../database";
import { localNotifySettings, startNotificationLoop } from "../local-notify";
import { createLocalWebhooks, webhookSecretsOf } from "../local-webhooks";
import { createCliLogger, parseLogLevel } from "../logger";
import { resolverFromEnv } from "../resolver-from-env";
import { rolloutTickMs, startRolloutTicker } from "../rollout-ticker";

/** The security settings of `drift serve`, read with the parsers every runtime uses (@drift/core). */
export interface ServeSettings {
  readonly token: string;
  readonly corsOrigins: readonly string[];
  readonly webhookSecrets: { readonly github?: string; readonly gitea?: string };
}

/**
 * Reads ADMIN_TOKEN, DRIFT_CORS_ORIGINS (comma-separated exact origins) and the webhook secrets.
 *
 * @throws {SettingError} for a bad value; the message names the variable.
 */
export function serveSettings(env: NodeJS.ProcessEnv): ServeSettings {
  return {
    token: parseAdminToken(env.ADMIN_TOKEN),
    corsOrigins: parseCorsOrigins(env.DRIFT_CORS_ORIGINS),
    webhookSecrets: webhookSecretsOf(env),
  };
}

/**
 * The admin app exactly as `drift serve` wires it: bearer ADMIN_TOKEN, CORS origins from DRIFT_CORS_ORIGINS
 * ({@link serveSettings}), events as log lines. Tests use it to serve a test database the same way.
 */
export function createServeApp(
  sql: Sql,
  env: NodeJS.ProcessEnv,
  logger: Log,
  recheckQueue?: MessageQueue,
): Hono {
  const { token, corsOrigins } = serveSettings(env);
  return createAdminApp({
    sql,
    auth: { mode: "bearer", token },
    corsOrigins,
    notifier: createLogNotifier(logger),
    webBases: { github: githubWebBase(env.GITHUB_API_URL || "https://api.github.com") },
    tokenEnvironment: tokenEnvironment(env.DRIFT_STAGE),
    notify: localNotifySettings(env),
    logger,
    ...(recheckQueue ? { recheckQueue } : {}),
  });
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 8787;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`--port must be 0 to 65535, got ${JSON.stringify(text)}`);
  return port;
}

/** Resolves on the first SIGINT or SIGTERM (and stops listening for them). */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

export const serveCommand: Command = {
  name: "serve",
  usage: [
    "drift serve [--port N] [--host 127.0.0.1]",
    "",
    "  --port  TCP port (default 8787; 0 picks a free one)",
    "  --host  address to listen on (default 127.0.0.1)",
    "",
    "Requires ADMIN_TOKEN (the bearer token the API and the page ask for). DRIFT_CORS_ORIGINS: comma-separated",
    "exact origins allowed to call the API from another site (https://…; http:// only for localhost/127.0.0.1;",
    "never * or null). Admin page: http://HOST:PORT/admin/",
    "Tokens from `drift token create` work too (a workspace token sees only its workspace). MCP for agents:",
    "POST /mcp (Streamable HTTP). OpenAPI: /admin/openapi.json.",
    "Webhooks: POST /webhooks/github (GITHUB_WEBHOOK_SECRET) and /webhooks/gitea (GITEA_WEBHOOK_SECRET) re-check",
    "the affected targets at once, in process (resolved with GITHUB_API_URL / GITHUB_TOKEN / GITEA_TOKEN).",
    "Rollouts advance every 5 s (DRIFT_ROLLOUT_TICK_MS), as `drift rollout tick` does.",
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: { port: { type: "string" }, host: { type: "string", default: "127.0.0.1" } },
      allowPositionals: false,
      strict: true,
    });
    const port = parsePort(values.port);
    if (!ctx.env.ADMIN_TOKEN) {
      ctx.stderr.write(
        "drift serve: ADMIN_TOKEN is not set. The admin API can change installed plugins, so it does not run\n" +
          "without a token. Set one, e.g.  ADMIN_TOKEN=$(openssl rand -hex 24) npx drift serve\n",
      );
      return 2;
    }
    // Checked before anything opens: a bad security setting stops the start, naming the variable.
    try {
      serveSettings(ctx.env);
    } catch (error) {
      if (!(error instanceof SettingError)) throw error;
      ctx.stderr.write(`drift serve: ${error.message}\n`);
      return 2;
    }
    const logger = createCliLogger(parseLogLevel(ctx.env.DRIFT_LOG_LEVEL, "info"), ctx.stderr);
    const signal = nextSignal();
    let db: Awaited<ReturnType<typeof openDatabase>>;
    try {
      db = await openDatabase({ env: ctx.env, serve: true });
    } catch (error) {
      if (!(error instanceof EmbeddedBusyError)) throw error;
      ctx.stderr.write(`drift serve: ${error.message}\n`);
      return 1;
    }
    let server: Awaited<ReturnType<typeof startAdminServer>>;
    try {
      const webhooks = createLocalWebhooks({
        sql: db.sql,
        resolver: await resolverFromEnv(ctx.env, logger),
        log: logger,
        env: ctx.env,
      });
      const app = withWebhooks(createServeApp(db.sql, ctx.env, logger, webhooks.queue), webhooks.app);
      server = await startAdminServer(app, { host: values.host, port });
    } catch (error) {
      await db.close();
      throw error;
    }
    ctx.stdout.write(`drift admin API listening on ${server.url}\nAdmin page: ${server.url}/admin/\n`);
    if (db.embedded)
      ctx.stdout.write("Other drift commands here use this server's embedded database while it runs.\n");
    // Events a crash left in the outbox go out now rather than at the next apply.
    await publishPendingEvents(createEventOutbox(db.sql), createLogNotifier(logger), logger);
    const ticker = startRolloutTicker(db.sql, logger, rolloutTickMs(ctx.env));
    const notifications = startNotificationLoop(db.sql, localNotifySettings(ctx.env), logger);
    const received = await signal;
    await notifications.stop();
    ctx.stderr.write(`drift serve: ${received}, shutting down\n`);
    await ticker.stop();
    await server.close();
    await db.close();
    ctx.stderr.write("drift serve: stopped\n");
    return 0;
  },
};
