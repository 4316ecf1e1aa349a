import { createHmac } from "node:crypto";
import { parseSource } from "../source";
import { repositoryOf, type WebBases } from "../web-url";
import { type DeliveryPayload, DRIFT_DETECTED, type NotifyEventRecord, notifyEventOf } from "./notify-events";

/**
 * The bodies a delivery sends (CONTRACT "notifications"): `slack` as Slack incoming-webhook JSON (`text` plus
 * blocks), `json` as the event itself, signed with `X-Drift-Signature-256: sha256=HMAC(secret, body)` and carrying
 * `X-Drift-Delivery` (the delivery's id, the same on every attempt) so a receiver can verify and deduplicate.
 */

/** Links a message carries: the admin page (when known) and repository web bases. */
export interface FormatContext {
  readonly adminUrl?: string | undefined;
  readonly bases?: WebBases | undefined;
}

type Detail = Readonly<Record<string, unknown>>;
const str = (d: Detail, key: string): string | null =>
  typeof d[key] === "string" ? (d[key] as string) : null;
const short = (sha: string | null) => (sha ? sha.slice(0, 7) : "?");
/** Slack mrkdwn: &, < and > are the only characters to escape. */
const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const link = (url: string, text: string) => `<${url}|${esc(text)}>`;

const KIND_WORDS: Record<string, string> = {
  tag_moved: "Tag moved (suspicious)",
  new_version: "New version",
  ref_moved: "Branch moved",
  pin_mismatch: "Pin mismatch",
};

/** The repository page and the compare page of a drift group's event, when its source is a repository. */
function driftLinks(
  d: Detail,
  ctx: FormatContext,
): { name: string; repo: string | null; compare: string | null } {
  const source = parseSource(str(d, "source_raw"));
  const repo = repositoryOf(source.status === "ok" ? source.value : null, null, ctx.bases);
  const name = repo ? `${repo.owner}/${repo.name}` : (str(d, "source_raw") ?? "?");
  const from = str(d, "from_sha");
  const to = str(d, "to_sha");
  const compare = repo?.url && from && to ? `${repo.url}/compare/${from}...${to}` : null;
  return { name, repo: repo?.url ?? null, compare };
}

/** One line saying what an event is (plain text; the Slack text and the digest lines). */
export function describeEvent(event: NotifyEventRecord, ctx: FormatContext = {}): string {
  const d = event.detail;
  if (event.type === DRIFT_DETECTED) {
    const { name } = driftLinks(d, ctx);
    const count = Number(d.count) || 1;
    const to = str(d, "to_version")
      ? `${str(d, "to_version")} (${short(str(d, "to_sha"))})`
      : short(str(d, "to_sha"));
    const kind = KIND_WORDS[str(d, "drift_kind") ?? ""] ?? str(d, "drift_kind") ?? "Drift";
    return `${kind}: ${name} ${str(d, "tracked_ref") ?? ""} ${short(str(d, "from_sha"))} → ${to}, ${count} workspace${count === 1 ? "" : "s"}`;
  }
  if (notifyEventOf(event.type) === "integrity") {
    return `Integrity ${str(d, "kind") ?? event.type}: ${str(d, "repo_key") ?? "?"} tag ${str(d, "tag") ?? "?"} ${short(str(d, "previous_sha"))} → ${short(str(d, "new_sha"))}`;
  }
  if (event.type === "plugin.update.applied" || event.type === "plugin.update.rolled_back") {
    const verb = event.type.endsWith("applied") ? "Applied" : "Rolled back";
    return `${verb}: ${str(d, "plugin_name") ?? "?"} in ${str(d, "workspace_id") ?? "?"} ${short(str(d, "from_sha"))} → ${short(str(d, "to_sha"))}`;
  }
  if (event.type.startsWith("plugin.rollout.")) {
    return `Rollout ${str(d, "rollout_id") ?? str(d, "id") ?? ""} ${event.type.slice("plugin.rollout.".length)}`.replace(
      /\s+/g,
      " ",
    );
  }
  return event.type;
}

function eventBlocks(event: NotifyEventRecord, ctx: FormatContext): object[] {
  const text = describeEvent(event, ctx);
  const links: string[] = [];
  let fields: object[] = [];
  if (event.type === DRIFT_DETECTED) {
    const d = event.detail;
    const { name, repo, compare } = driftLinks(d, ctx);
    const to = str(d, "to_version")
      ? `${str(d, "to_version")} (${short(str(d, "to_sha"))})`
      : short(str(d, "to_sha"));
    fields = [
      ["Repository", repo ? link(repo, name) : esc(name)],
      ["From → to", `${esc(short(str(d, "from_sha")))} → ${esc(to)}`],
      ["Kind", esc(str(d, "drift_kind") ?? "?")],
      ["Workspaces", String(Number(d.count) || 1)],
    ].map(([k, v]) => ({ type: "mrkdwn", text: `*${k}*\n${v}` }));
    if (compare) links.push(link(compare, "Compare"));
  }
  if (ctx.adminUrl) links.push(link(ctx.adminUrl, "Open the admin page"));
  return [
    {
      type: "section",
      text: { type: "mrkdwn", text: `*${esc(text)}*` },
      ...(fields.length ? { fields } : {}),
    },
    ...(links.length ? [{ type: "context", elements: [{ type: "mrkdwn", text: links.join(" · ") }] }] : []),
  ];
}

function digestSummary(p: Extract<DeliveryPayload, { kind: "digest" }>): string {
  const total = Object.values(p.counts).reduce((a, b) => a + b, 0);
  const parts = Object.entries(p.counts).map(([k, n]) => `${n} ${k}`);
  return `Drift digest: ${total} event${total === 1 ? "" : "s"} since ${p.since.slice(0, 16).replace("T", " ")} UTC (${parts.join(", ")})`;
}

/** The Slack incoming-webhook body of a delivery. */
export function slackBody(payload: DeliveryPayload, ctx: FormatContext = {}): object {
  if (payload.kind === "test") {
    const text = "Test message from the plugin drift sweeper: this channel will be told about drift.";
    return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
  }
  if (payload.kind === "event") {
    return { text: describeEvent(payload.event, ctx), blocks: eventBlocks(payload.event, ctx) };
  }
  const text = digestSummary(payload);
  const lines = payload.events.slice(0, 20).map((e) => `• ${esc(describeEvent(e, ctx))}`);
  const more = payload.events.length - lines.length + payload.omitted;
  if (more > 0) lines.push(`… and ${more} more`);
  const blocks: object[] = [
    { type: "section", text: { type: "mrkdwn", text: `*${esc(text)}*` } },
    { type: "section", text: { type: "mrkdwn", text: lines.join("\n").slice(0, 2900) } },
  ];
  if (ctx.adminUrl) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: link(ctx.adminUrl, "Open the admin page") }],
    });
  }
  return { text, blocks };
}

/** The `json` body of a delivery: the event (or digest, or test) with the delivery id. */
export function jsonBody(deliveryId: string, payload: DeliveryPayload): object {
  if (payload.kind === "event") {
    const e = payload.event;
    return {
      delivery_id: deliveryId,
      event: notifyEventOf(e.type),
      type: e.type,
      id: e.id,
      time: e.time,
      detail: e.detail,
    };
  }
  if (payload.kind === "digest") return { delivery_id: deliveryId, event: "digest", ...payload };
  return { delivery_id: deliveryId, event: "test", time: payload.time };
}

/** `sha256=` + hex HMAC-SHA256 of the body with the subscription's secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The request a delivery sends: body and headers, signed when the subscription has a secret. */
export function deliveryRequest(
  delivery: { id: string; format: "slack" | "json"; secret: string | null; payload: DeliveryPayload },
  ctx: FormatContext = {},
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(
    delivery.format === "slack" ? slackBody(delivery.payload, ctx) : jsonBody(delivery.id, delivery.payload),
  );
  const event =
    delivery.payload.kind === "event"
      ? (notifyEventOf(delivery.payload.event.type) ?? "event")
      : delivery.payload.kind;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "plugin-drift-sweeper",
    "x-drift-delivery": delivery.id,
    "x-drift-event": event,
  };
  if (delivery.secret) headers["x-drift-signature-256"] = signBody(delivery.secret, body);
  return { body, headers };
}
