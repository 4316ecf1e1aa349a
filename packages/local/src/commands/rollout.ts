import { parseArgs } from "node:util";
import {
  type ControlAction,
  controlRollout,
  isUuid,
  newRolloutOf,
  parseRolloutRequest,
  ROLLOUT_STATUSES,
  type RolloutStatus,
  reportRolloutHealth,
  startRollout,
  tickRollouts,
  wavesFromFlags,
} from "@drift/core";
import type { Sql } from "@drift/db";
import { type Command, type CommandContext, UsageError } from "../command";
import { openDatabase } from "../database";
import { resolveQueueId, resolveRolloutId } from "../id-prefix";
import { createCliLogger, parseLogLevel } from "../logger";
import { localRolloutDeps } from "../rollout-deps";
import { rolloutDetail, rolloutLine } from "../rollout-format";

/** `drift rollout …`: the admin API's rollout routes, on the local database (`created_by = cli`). */

async function withDeps<T>(
  ctx: CommandContext,
  body: (sql: Sql, deps: ReturnType<typeof localRolloutDeps>) => Promise<T>,
) {
  const db = await openDatabase({ env: ctx.env });
  try {
    const log = createCliLogger(parseLogLevel(ctx.env.DRIFT_LOG_LEVEL, "warn"), ctx.stderr);
    return await body(db.sql, localRolloutDeps(db.sql, log));
  } finally {
    await db.close();
  }
}

const refuse = (ctx: CommandContext, message: string) => {
  ctx.stderr.write(`drift rollout: ${message}\n`);
  return 1;
};

async function start(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      waves: { type: "string" },
      soak: { type: "string" },
      "max-failures": { type: "string" },
      "rollback-on-halt": { type: "boolean" },
      canary: { type: "string", multiple: true },
      reason: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0)
    throw new UsageError("expected the IDs of one drift (see drift pending --wide)");
  if (!values.waves) throw new UsageError("--waves is required, e.g. --waves 1,10%,rest --soak 30m");
  const waves = wavesFromFlags(values.waves, values.soak);
  if (values.canary?.length && waves[0]) waves[0] = { ...waves[0], workspaces: values.canary };
  const maxFailures = values["max-failures"];
  if (maxFailures !== undefined && !/^\d{1,4}$/.test(maxFailures))
    throw new UsageError("--max-failures takes a number (0 to 5000)");
  return withDeps(ctx, async (sql, deps) => {
    const ids: string[] = [];
    for (const typed of positionals) ids.push(await resolveQueueId(sql, typed));
    const parsed = parseRolloutRequest({
      ids,
      waves,
      ...(maxFailures !== undefined ? { max_failures: Number(maxFailures) } : {}),
      ...(values["rollback-on-halt"] ? { rollback_on_halt: true } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    });
    if (!parsed.ok) throw new UsageError(parsed.error);
    const created = await startRollout(deps, newRolloutOf(parsed.value, "cli"));
    if (created.kind !== "created") return refuse(ctx, `${created.message} (${created.code})`);
    ctx.stdout.write(created.rollout ? rolloutDetail(created.rollout) : `Started rollout ${created.id}\n`);
    return 0;
  });
}

async function report(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { ok: { type: "boolean" }, failed: { type: "boolean" }, detail: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [typed, workspace, plugin, ...extra] = positionals;
  if (!typed || !workspace || !plugin || extra.length > 0 || values.ok === values.failed)
    throw new UsageError("expected ROLLOUT WORKSPACE PLUGIN and one of --ok or --failed");
  if (!isUuid(workspace)) throw new UsageError("WORKSPACE must be a UUID");
  return withDeps(ctx, async (sql, deps) => {
    const id = await resolveRolloutId(sql, typed);
    const result = await reportRolloutHealth(deps, id, {
      workspace_id: workspace,
      plugin_name: plugin,
      ok: values.ok === true,
      detail: values.detail,
    });
    if (result === "not_found") return refuse(ctx, `no rollout ${id}`);
    if (result === "not_in_rollout") return refuse(ctx, "that workspace and plugin are not in this rollout");
    const view = await deps.store.get(id, deps.now());
    ctx.stdout.write(
      `Recorded ${values.ok ? "ok" : "failure"}; rollout ${id.slice(0, 8)} is ${view?.status}\n`,
    );
    return 0;
  });
}

async function control(ctx: CommandContext, action: ControlAction, argv: readonly string[]) {
  const [typed, ...extra] = argv;
  if (!typed || extra.length > 0) throw new UsageError("expected exactly one rollout ID");
  return withDeps(ctx, async (sql, deps) => {
    const id = await resolveRolloutId(sql, typed);
    const result = await controlRollout(deps, id, action, "cli");
    if (result.kind === "not_found") return refuse(ctx, `no rollout ${id}`);
    if (result.kind === "conflict")
      return refuse(ctx, `rollout ${id} is ${result.status}; it cannot ${action}`);
    ctx.stdout.write(`Rollout ${id.slice(0, 8)} is ${result.status}\n`);
    return 0;
  });
}

async function list(ctx: CommandContext, argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: { json: { type: "boolean" }, status: { type: "string" } },
    strict: true,
  });
  if (values.status !== undefined && !ROLLOUT_STATUSES.includes(values.status as RolloutStatus))
    throw new UsageError(`--status: one of ${ROLLOUT_STATUSES.join(", ")}`);
  return withDeps(ctx, async (_sql, deps) => {
    const items = await deps.store.list(values.status as RolloutStatus | undefined, deps.now());
    if (values.json) ctx.stdout.write(`${JSON.stringify(items)}\n`);
    else ctx.stdout.write(items.length ? `${items.map(rolloutLine).join("\n")}\n` : "No rollouts.\n");
    return 0;
  });
}

async function show(ctx: CommandContext, argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { json: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  const [typed, ...extra] = positionals;
  if (!typed || extra.length > 0) throw new UsageError("expected exactly one rollout ID");
  return withDeps(ctx, async (sql, deps) => {
    const view = await deps.store.get(await resolveRolloutId(sql, typed), deps.now());
    if (!view) return refuse(ctx, `no rollout ${typed}`);
    ctx.stdout.write(values.json ? `${JSON.stringify(view)}\n` : rolloutDetail(view));
    return 0;
  });
}

async function tick(ctx: CommandContext, argv: readonly string[]) {
  const { values } = parseArgs({ args: [...argv], options: { json: { type: "boolean" } }, strict: true });
  return withDeps(ctx, async (_sql, deps) => {
    const r = await tickRollouts(deps);
    if (values.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
    else
      ctx.stdout.write(
        `Rollouts due: ${r.rollouts}; waves started: ${r.wavesStarted}; applied: ${r.applied}; left: ${r.left}; rolled back: ${r.rolledBack}\n`,
      );
    return 0;
  });
}

export const rolloutCommand: Command = {
  name: "rollout",
  usage: [
    "drift rollout start ID… --waves 1,10%,rest --soak 30m",
    "      [--max-failures N] [--rollback-on-halt] [--canary WORKSPACE]…",
    "      [--reason TEXT]",
    "drift rollout list [--status S] [--json]",
    "drift rollout show ID [--json]",
    "drift rollout pause|resume|cancel ID",
    "drift rollout report ID WORKSPACE PLUGIN --ok|--failed [--detail TEXT]",
    "drift rollout tick [--json]",
    "",
    "  Delivers one drift (the IDs of one group) in waves. The first wave",
    "  is applied at once; each later wave when the soak before it ended",
    "  and failed reports are at most --max-failures (default 0). More",
    "  failures halt it (--rollback-on-halt: and roll back its applies).",
    "  --soak: one duration for every wave, or one per wave (1h,30m,0).",
    "  tick starts due waves (drift serve runs it every few seconds).",
  ].join("\n"),
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === "start") return start(ctx, rest);
    if (sub === "list") return list(ctx, rest);
    if (sub === "show") return show(ctx, rest);
    if (sub === "report") return report(ctx, rest);
    if (sub === "tick") return tick(ctx, rest);
    if (sub === "pause" || sub === "resume" || sub === "cancel") return control(ctx, sub, rest);
    throw new UsageError("expected start, list, show, pause, resume, cancel, report or tick");
  },
};
