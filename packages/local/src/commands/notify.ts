import { parseArgs } from "node:util";
import { isUuid, type NotificationSubscription, parseSubscriptionInput } from "@drift/core";
import {
  deleteSubscription,
  getDelivery,
  getSubscription,
  listSubscriptions,
  putSubscription,
  queueTestDelivery,
} from "@drift/db";
import { checkNotifyUrl, deliverPending } from "@drift/notify";
import { type Command, type CommandContext, UsageError } from "../command";
import { withDb } from "../database";
import { localNotifySettings } from "../local-notify";

/** At most `width` characters: the middle of a long URL gives way (lines stay within 70 columns). */
const fit = (text: string, width: number) =>
  text.length <= width ? text : `${text.slice(0, width - 12)}…${text.slice(-11)}`;

const describe = (s: NotificationSubscription) =>
  [
    `${s.id}  ${s.format}${s.digest ? "  daily digest" : ""}`,
    `  ${fit(s.url, 66)}`,
    `  ${fit(`events: ${s.events.join(", ")}`, 52)}  secret: ${s.has_secret ? "yes" : "no"}`,
  ].join("\n");

async function set(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      id: { type: "string" },
      url: { type: "string" },
      format: { type: "string" },
      events: { type: "string" },
      "secret-env": { type: "string" },
      digest: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const secretVar = values["secret-env"];
  if (secretVar !== undefined && !ctx.env[secretVar])
    throw new UsageError(`--secret-env: ${secretVar} is not set`);
  const input = parseSubscriptionInput({
    ...(values.id !== undefined ? { id: values.id } : {}),
    url: values.url,
    format: values.format,
    events: values.events?.split(",").map((e) => e.trim()),
    ...(secretVar !== undefined ? { secret: ctx.env[secretVar] } : {}),
    ...(values.digest !== undefined ? { digest: values.digest } : {}),
  });
  if (!input.ok) throw new UsageError(input.error.replace(/^(\w+)/, "--$1"));
  const settings = localNotifySettings(ctx.env);
  const checked = await checkNotifyUrl(input.value.url, settings);
  if (!checked.ok) throw new UsageError(`--${checked.reason}`);
  const saved = await withDb(ctx, (sql) => putSubscription(sql, input.value));
  if (saved.kind === "not_found") {
    ctx.stderr.write(`drift notify: no subscription ${values.id}\n`);
    return 1;
  }
  ctx.stdout.write(`${saved.created ? "Created" : "Updated"} ${describe(saved.subscription)}\n`);
  return 0;
}

async function test(ctx: CommandContext, id: string): Promise<number> {
  const settings = localNotifySettings(ctx.env);
  const delivery = await withDb(ctx, async (sql) => {
    if (!(await getSubscription(sql, id))) return undefined;
    const deliveryId = await queueTestDelivery(sql, id, new Date());
    await deliverPending(sql, settings, {}, { subscriptionId: id, budgetMs: 5_000 });
    return getDelivery(sql, deliveryId);
  });
  if (!delivery) {
    ctx.stderr.write(`drift notify: no subscription ${id}\n`);
    return 1;
  }
  if (delivery.status === "sent") {
    ctx.stdout.write(`Test message delivered (answer ${delivery.response_code}).\n`);
    return 0;
  }
  ctx.stderr.write(`drift notify: test message not delivered: ${delivery.last_error ?? delivery.status}\n`);
  return 1;
}

const oneId = (rest: readonly string[], what: string) => {
  const [id, ...extra] = rest;
  if (!id || extra.length > 0 || !isUuid(id))
    throw new UsageError(`expected exactly one ${what} ID (a UUID)`);
  return id;
};

export const notifyCommand: Command = {
  name: "notify",
  usage: [
    "drift notify list [--json]",
    "drift notify set --url URL --format slack|json --events E1,E2",
    "                 [--secret-env VAR] [--digest daily] [--id UUID]",
    "drift notify rm ID",
    "drift notify test ID",
    "",
    "  Events: drift.detected, integrity, update.applied,",
    "  update.rolled_back, rollout. URLs: https only, never a private,",
    "  loopback or metadata address (DRIFT_NOTIFY_ALLOW_LOOPBACK=1 admits",
    "  http://127.0.0.1:PORT for local runs). --secret-env names the",
    "  variable holding the HMAC secret of json bodies (kept out of the",
    "  shell history; never shown again). `drift sweep` sends before it",
    "  exits, `drift serve` every few seconds.",
  ].join("\n"),
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === "set") return set(ctx, rest);
    if (sub === "list") {
      const { values } = parseArgs({ args: rest, options: { json: { type: "boolean" } }, strict: true });
      const subs = await withDb(ctx, listSubscriptions);
      if (values.json) ctx.stdout.write(`${JSON.stringify(subs)}\n`);
      else ctx.stdout.write(subs.length ? `${subs.map(describe).join("\n")}\n` : "No subscriptions.\n");
      return 0;
    }
    if (sub === "rm") {
      const id = oneId(rest, "subscription");
      if (!(await withDb(ctx, (sql) => deleteSubscription(sql, id)))) {
        ctx.stderr.write(`drift notify: no subscription ${id}\n`);
        return 1;
      }
      ctx.stdout.write(`Removed subscription ${id}\n`);
      return 0;
    }
    if (sub === "test") return test(ctx, oneId(rest, "subscription"));
    throw new UsageError("expected list, set, rm or test");
  },
};
