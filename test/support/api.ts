import { randomUUID } from "node:crypto";
import { createAdminApp } from "@drift/api";
import type { Log, Notifier, PlatformEvent } from "@drift/core";
import type { Sql } from "@drift/db";
import type { Hono } from "hono";
import { sha } from "./seed";

/** A token long enough to be unmistakable when searched for in bodies and logs. */
export const ADMIN_TOKEN = "test-admin-token-7f3c9a1e5b2d4c6e8a0b1c2d3e4f5a6b";

export interface UpdateSeed {
  workspace_id?: string;
  plugin_name?: string;
  tracked_ref?: string;
  /** installed_sha of the plugin row (default: the queue row's current_sha). Pass null for no plugin row. */
  installed_sha?: string | null;
  current_sha?: string;
  latest_sha?: string;
  status?: "pending" | "applied" | "dismissed" | "superseded";
  drift_kind?: string | null;
  resolved_tag?: string | null;
  created_at?: Date;
  /** false: do not create the workspace_plugins row. */
  with_plugin?: boolean;
}

export interface SeededUpdate {
  readonly id: string;
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly current_sha: string;
  readonly latest_sha: string;
}

/** Inserts a plugin row (the platform's way) and a queue row for it (the sweeper's way), with plain SQL. */
export async function seedUpdate(sql: Sql, seed: UpdateSeed = {}): Promise<SeededUpdate> {
  const workspace_id = seed.workspace_id ?? randomUUID();
  const plugin_name = seed.plugin_name ?? `plugin-${randomUUID().slice(0, 8)}`;
  const current_sha = seed.current_sha ?? sha(`${plugin_name}-current`);
  const latest_sha = seed.latest_sha ?? sha(`${plugin_name}-latest`);
  const tracked_ref = seed.tracked_ref ?? "tag:latest";
  if (seed.with_plugin !== false) {
    const installed = seed.installed_sha === undefined ? current_sha : seed.installed_sha;
    await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
              VALUES (${workspace_id}, ${plugin_name}, ${`github://acme/${plugin_name}`}, ${tracked_ref}, ${installed})
              ON CONFLICT (workspace_id, plugin_name) DO NOTHING`;
  }
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO plugin_update_queue (workspace_id, plugin_name, tracked_ref, current_sha, latest_sha, status,
                                     drift_kind, resolved_tag, created_at)
    VALUES (${workspace_id}, ${plugin_name}, ${tracked_ref}, ${current_sha}, ${latest_sha}, ${seed.status ?? "pending"},
            ${seed.drift_kind === undefined ? "new_version" : seed.drift_kind}, ${seed.resolved_tag ?? null},
            ${seed.created_at ?? new Date()})
    RETURNING id`;
  if (!row) throw new Error("seed insert returned nothing");
  return { id: row.id, workspace_id, plugin_name, current_sha, latest_sha };
}

/** A logger that keeps every line (as JSON text) so tests can search them. */
export function captureLogger(): Log & { readonly lines: string[]; text(): string } {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push(JSON.stringify({ level, message, ...fields }));
  return {
    lines,
    text: () => lines.join("\n"),
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
}

/** A notifier that records what it was asked to publish, and can be told to fail. */
export function recordingNotifier(): Notifier & { readonly events: PlatformEvent[]; failNext: number } {
  const notifier = {
    events: [] as PlatformEvent[],
    failNext: 0,
    async publish(event: PlatformEvent) {
      if (notifier.failNext > 0) {
        notifier.failNext--;
        throw new Error("simulated publish failure");
      }
      notifier.events.push(event);
    },
  };
  return notifier;
}

export interface TestApp {
  readonly app: Hono;
  readonly logger: ReturnType<typeof captureLogger>;
  readonly notifier: ReturnType<typeof recordingNotifier>;
}

/** The admin app over a test database, with a bearer token, a capturing logger and a recording notifier. */
export function testAdminApp(
  sql: Sql,
  corsOrigins: readonly string[] = ["https://admin.example.com"],
): TestApp {
  const logger = captureLogger();
  const notifier = recordingNotifier();
  const app = createAdminApp({
    sql,
    auth: { mode: "bearer", token: ADMIN_TOKEN },
    corsOrigins,
    notifier,
    logger,
  });
  return { app, logger, notifier };
}

// biome-ignore lint/suspicious/noExplicitAny: tests probe arbitrary response shapes
type Json = any;

/** Sends a request to the app in process (no socket) with the admin token unless told otherwise. */
export async function call(
  app: Hono,
  method: string,
  path: string,
  options: { token?: string | null; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Json }> {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const headers: Record<string, string> = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...options.headers,
  };
  const res = await app.request(path, { method, headers, body: options.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}
