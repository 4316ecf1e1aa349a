import { parseArgs } from "node:util";
import { isUuid, type Policy, parsePolicyInput } from "@drift/core";
import { deletePolicy, listPolicies, policyIdsByPrefix, putPolicy } from "@drift/db";
import { cell, table, terminalColumns } from "../cli-format";
import { type Command, type CommandContext, UsageError } from "../command";
import { withDb } from "../database";
import { printable } from "./decision";

const scopeOf = (p: Policy) =>
  p.plugin_name
    ? `plugin ${printable(p.plugin_name)} in ${p.workspace_id}`
    : p.workspace_id
      ? `workspace ${p.workspace_id}`
      : "global";

const describe = (p: Policy) =>
  `${p.id}  ${scopeOf(p)}: auto_apply ${p.auto_apply}, min_release_age ${p.min_release_age ?? "(DRIFT_MIN_RELEASE_AGE)"}, require ${p.require}${p.rollout ? `, in waves ${JSON.stringify(p.rollout)}` : ""}`;

/** One line per policy: the ID (a prefix unless --wide), scope, auto-apply and age are never shortened. */
function policyTable(policies: readonly Policy[], columns: number, wide: boolean): string {
  const rows = policies.map((p) => [
    wide ? p.id : p.id.slice(0, 8),
    p.plugin_name ? "plugin" : p.workspace_id ? "workspace" : "global",
    cell(p.workspace_id),
    cell(p.plugin_name),
    p.auto_apply,
    p.min_release_age ?? "default",
  ]);
  const cols = [
    { header: "ID" },
    { header: "SCOPE" },
    { header: "WORKSPACE", flexible: true, min: 8, cutFirst: 2 },
    { header: "PLUGIN", flexible: true, min: 6, cutFirst: 1 },
    { header: "AUTO-APPLY" },
    { header: "MIN AGE" },
  ];
  return table(cols, rows, columns, wide);
}

async function set(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      id: { type: "string" },
      workspace: { type: "string" },
      plugin: { type: "string" },
      "auto-apply": { type: "string" },
      "min-age": { type: "string" },
      rollout: { type: "string" },
      require: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  let rollout: unknown;
  try {
    rollout = values.rollout === undefined ? undefined : JSON.parse(values.rollout);
  } catch {
    throw new UsageError(`--rollout takes JSON, e.g. '{"waves":[{"size":1,"soak":"1h"},{"size":"rest"}]}'`);
  }
  const input = parsePolicyInput({
    ...(values.id !== undefined ? { id: values.id } : {}),
    ...(values.workspace !== undefined ? { workspace_id: values.workspace } : {}),
    ...(values.plugin !== undefined ? { plugin_name: values.plugin } : {}),
    ...(values["auto-apply"] !== undefined ? { auto_apply: values["auto-apply"] } : {}),
    ...(values["min-age"] !== undefined ? { min_release_age: values["min-age"] } : {}),
    ...(rollout !== undefined ? { rollout } : {}),
    ...(values.require !== undefined ? { require: values.require } : {}),
  });
  if (!input.ok) throw new UsageError(input.error);
  const result = await withDb(ctx, (sql) => putPolicy(sql, input.value, "cli"));
  if (result.kind === "not_found") {
    ctx.stderr.write(`drift policy: no policy ${values.id}\n`);
    return 1;
  }
  if (result.kind === "scope_taken") {
    ctx.stderr.write(`drift policy: policy ${result.otherId} already covers that scope\n`);
    return 1;
  }
  ctx.stdout.write(`${result.created ? "Created" : "Updated"} ${describe(result.policy)}\n`);
  return 0;
}

export const policyCommand: Command = {
  name: "policy",
  usage: [
    "drift policy list [--json] [--wide]",
    "drift policy set [--workspace UUID [--plugin NAME]] [--auto-apply none|patch|minor|major|any] [--min-age AGE]",
    "                 [--require none|signed|immutable] [--id UUID]",
    '                 [--rollout \'{"waves":[{"size":1,"soak":"1h"},{"size":"rest"}]}\']',
    "drift policy rm ID",
    "",
    "  Scope: no --workspace: global; --workspace alone: that workspace; both: that plugin. The most specific",
    "  policy wins. --min-age is a duration (72h, 3d, 0); absent: DRIFT_MIN_RELEASE_AGE applies.",
    "  --rollout: auto-applies are delivered in these waves (drift rollout) instead of at once.",
    "  Never auto-applied: tag_moved, pin_mismatch, invalid or unknown signatures, unknown installed versions,",
    "  trust downgrades. --require signed: a valid signature or an immutable release; immutable: only the latter.",
  ].join("\n"),
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === "set") return set(ctx, rest);
    if (sub === "list") {
      const { values } = parseArgs({
        args: rest,
        options: { json: { type: "boolean" }, wide: { type: "boolean" } },
        strict: true,
      });
      const policies = await withDb(ctx, listPolicies);
      if (values.json) ctx.stdout.write(`${JSON.stringify(policies)}\n`);
      else if (policies.length === 0) ctx.stdout.write("No policies.\n");
      else {
        const columns = terminalColumns(ctx.stdout as { columns?: number }, ctx.env);
        ctx.stdout.write(`${policyTable(policies, columns, values.wide === true)}\n`);
      }
      return 0;
    }
    if (sub === "rm") {
      const [typed, ...extra] = rest;
      if (!typed || extra.length > 0 || !(isUuid(typed) || /^[0-9a-f]{4,35}$/i.test(typed)))
        throw new UsageError("expected exactly one policy ID (a UUID, or a prefix as policy list shows it)");
      const removed = await withDb(ctx, async (sql) => {
        // A prefix as `policy list` prints it: only when it names one policy.
        const found = isUuid(typed) ? [typed] : await policyIdsByPrefix(sql, typed);
        if (found.length !== 1 || !found[0]) return null;
        return (await deletePolicy(sql, found[0], "cli")) ? found[0] : null;
      });
      const id = removed ?? typed;
      if (!removed) {
        ctx.stderr.write(`drift policy: no policy ${id}\n`);
        return 1;
      }
      ctx.stdout.write(`Removed policy ${id}\n`);
      return 0;
    }
    throw new UsageError("expected list, set or rm");
  },
};
