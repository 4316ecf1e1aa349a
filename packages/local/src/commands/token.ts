import { parseArgs } from "node:util";
import { createAccessToken, tokenEnvironment } from "@drift/api";
import { isUuid } from "@drift/core";
import { type AccessToken, listTokens, revokeToken } from "@drift/db";
import { parseUntil } from "../cli-format";
import { type Command, type CommandContext, UsageError } from "../command";
import { withDb } from "../database";
import { printable } from "./decision";

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "never");
const stateOf = (t: AccessToken) => (t.revoked_at ? "revoked" : t.active ? "active" : "expired");
const scopeOf = (t: AccessToken) => (t.role === "workspace" ? `workspace ${t.workspace_id}` : "operator");

/** Three lines a token, within 70 columns: id and state, scope, then name and expiry. */
const describe = (t: AccessToken) =>
  `${t.id}  ${stateOf(t)}\n  ${scopeOf(t)}\n  ${printable(t.name).slice(0, 36)}, expires ${day(t.expires_at)}`;

async function create(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      name: { type: "string" },
      role: { type: "string" },
      workspace: { type: "string" },
      expires: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const role = values.role ?? (values.workspace ? "workspace" : undefined);
  if (role !== "operator" && role !== "workspace")
    throw new UsageError("--role must be operator or workspace (--workspace ID implies workspace)");
  if (role === "workspace" && !(values.workspace && isUuid(values.workspace)))
    throw new UsageError("a workspace token needs --workspace UUID");
  if (role === "operator" && values.workspace) throw new UsageError("an operator token has no --workspace");
  const name = (values.name ?? "").trim();
  if (!name || name.length > 100 || /[\p{Cc}]/u.test(name))
    throw new UsageError("--name is required: 1 to 100 printable characters");
  const expires = values.expires === undefined ? null : parseUntil(values.expires);
  if (values.expires !== undefined && expires === null)
    throw new UsageError("--expires takes a future ISO-8601 time or a duration such as 12h or 30d");
  const created = await withDb(ctx, (sql) =>
    createAccessToken(sql, tokenEnvironment(ctx.env.DRIFT_STAGE), {
      name,
      role,
      workspaceId: role === "workspace" ? (values.workspace ?? null) : null,
      expiresAt: expires,
      createdBy: "cli",
    }),
  );
  ctx.stderr.write(`Created ${describe(created)}\nThe token is shown once; keep it now:\n`);
  ctx.stdout.write(`${created.token}\n`);
  return 0;
}

export const tokenCommand: Command = {
  name: "token",
  usage: [
    "drift token create --name NAME (--role operator | --workspace UUID) [--expires WHEN]",
    "drift token list [--json]",
    "drift token revoke ID",
    "",
    "  create prints the token once on stdout (keep it: only its hash is stored). A workspace token sees",
    "  and decides only that workspace's updates; an operator token can do what ADMIN_TOKEN does.",
    "  WHEN: an ISO-8601 time or a duration (12h, 30d). revoke takes effect on the next request.",
    "  Tokens name the environment (DRIFT_STAGE, default local): another one's are refused.",
  ].join("\n"),
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === "create") return create(ctx, rest);
    if (sub === "list") {
      const { values } = parseArgs({ args: rest, options: { json: { type: "boolean" } }, strict: true });
      const tokens = await withDb(ctx, listTokens);
      if (values.json) ctx.stdout.write(`${JSON.stringify(tokens)}\n`);
      else ctx.stdout.write(tokens.length ? `${tokens.map(describe).join("\n")}\n` : "No tokens.\n");
      return 0;
    }
    if (sub === "revoke") {
      const [id, ...extra] = rest;
      if (!id || extra.length > 0 || !isUuid(id))
        throw new UsageError("expected exactly one token ID (a UUID)");
      const revoked = await withDb(ctx, (sql) => revokeToken(sql, id));
      if (!revoked) {
        ctx.stderr.write(`drift token: no token ${id}\n`);
        return 1;
      }
      ctx.stdout.write(`Revoked ${revoked.id}\n`);
      return 0;
    }
    throw new UsageError("expected create, list or revoke");
  },
};
