import {
  DEFAULT_RECHECK_CONFIG,
  handleDelivery,
  type Log,
  type MessageQueue,
  Metric,
  type MetricsSink,
  type RecheckConfig,
  type RecheckStore,
} from "@drift/core";
import { type Context, Hono } from "hono";
import { errorBody, fail } from "../errors";
import { setHsts } from "../hsts";
import { GITHUB_MAX_PAYLOAD_BYTES, readSigned } from "./body";
import { changeOf, isRecheckEvent, MalformedPayloadError } from "./events";
import { SignedBody, signatureDigest } from "./verify";

/** A webhook secret: a value, or a loader (Secrets Manager through a cache); unset or empty means "not configured". */
export type SecretSource = string | undefined | (() => Promise<string | undefined>);

export interface WebhookAppOptions {
  readonly store: RecheckStore;
  /** The sweep queue: re-checks go through the same queue and worker as sweeps. */
  readonly queue: MessageQueue;
  /** GITHUB_WEBHOOK_SECRET for /webhooks/github, GITEA_WEBHOOK_SECRET for /webhooks/gitea. */
  readonly secrets: { readonly github?: SecretSource; readonly gitea?: SecretSource };
  readonly metrics?: MetricsSink;
  readonly log?: Log;
  /** Largest body accepted (default 25 MB, GitHub's own cap: a large push is re-checked too); more: 413. */
  readonly maxBodyBytes?: number;
  readonly recheck?: Partial<RecheckConfig>;
  /** Delivery ids (and re-check bookkeeping) are kept this long against replays (default 72 hours). */
  readonly retentionHours?: number;
}

type Flavour = "github" | "gitea";

/** Where each host puts the event name, the delivery id and the signature. */
const HEADERS: Record<Flavour, { event: string[]; delivery: string[]; signature: string[] }> = {
  github: { event: ["x-github-event"], delivery: ["x-github-delivery"], signature: ["x-hub-signature-256"] },
  gitea: {
    event: ["x-gitea-event", "x-forgejo-event"],
    delivery: ["x-gitea-delivery", "x-forgejo-delivery"],
    signature: ["x-gitea-signature", "x-forgejo-signature"],
  },
};

const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;
const EVENT_NAME = /^[a-z_]{1,64}$/;
const PRUNE_EVERY_MS = 10 * 60_000;
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

async function secretOf(source: SecretSource): Promise<string | undefined> {
  const value = typeof source === "function" ? await source() : source;
  return value || undefined;
}

function header(c: Context, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = c.req.header(name);
    if (value) return value;
  }
  return undefined;
}

/** A request that passed the checks every delivery must pass, or the answer that refuses it. */
type Checked = { readonly event: string; readonly deliveryId: string; readonly json: unknown } | Response;

/** 413, and the connection closed: the rest of an unread body must not be taken for the next request. */
function tooLarge(c: Context): Response {
  c.header("Connection", "close");
  return fail(c, 413, "payload_too_large", "webhook body too large");
}

/**
 * Secret configured (else 403), signature valid (else 401: nothing is read or stored before this), event and
 * delivery id present, body JSON (else 400). A signed ping is answered here (200).
 */
async function checkDelivery(
  c: Context,
  flavour: Flavour,
  source: SecretSource,
  metrics: MetricsSink,
  maxBytes: number,
): Promise<Checked> {
  const secret = await secretOf(source);
  if (!secret) {
    return fail(c, 403, "webhook_secret_unset", `no webhook secret is configured for /webhooks/${flavour}`);
  }
  const names = HEADERS[flavour];
  // The signature covers the exact bytes received (not a re-encoding of their text).
  const signed = new SignedBody(secret);
  const body = await readSigned(c.req.raw.body, signed, maxBytes);
  if (body.tooLarge) return tooLarge(c);
  if (!signed.matches(signatureDigest(flavour, header(c, names.signature)))) {
    metrics.add(Metric.WebhookSignatureRejected, "Count", 1);
    return fail(c, 401, "bad_signature", "missing or wrong webhook signature");
  }
  const event = header(c, names.event)?.trim().toLowerCase() ?? "";
  if (!EVENT_NAME.test(event)) return fail(c, 400, "bad_event", "missing or malformed event header");
  if (event === "ping") {
    metrics.add(Metric.WebhookDeliveries, "Count", 1, { Event: "ping" });
    return c.json({ ok: true }, 200);
  }
  const deliveryId = header(c, names.delivery)?.trim() ?? "";
  if (!DELIVERY_ID.test(deliveryId)) return fail(c, 400, "bad_delivery", "missing or malformed delivery id");
  try {
    if (body.text === null) throw new SyntaxError("not UTF-8");
    return { event, deliveryId, json: JSON.parse(body.text) };
  } catch {
    return fail(
      c,
      400,
      "malformed_json",
      "the body is not JSON (configure the webhook with application/json)",
    );
  }
}

/**
 * The webhook receiver (CONTRACT "webhooks"): `POST /webhooks/github` and `POST /webhooks/gitea`. The signature
 * is the authentication (no bearer token): in AWS it is its own function and Function URL; `drift serve` mounts it
 * beside the admin app. Statuses: 403 no secret configured, 413 too large, 401 missing/wrong signature (nothing
 * queued, ping included), 400 malformed, 200 signed ping, 202 `{"targets": N}` (or `"duplicate": true`).
 *
 * @example
 * const app = createWebhookApp({ store: createRecheckStore(sql), queue, secrets: { github: env.GITHUB_WEBHOOK_SECRET } });
 */
export function createWebhookApp(options: WebhookAppOptions): Hono {
  const app = new Hono();
  app.use(async (c, next) => {
    setHsts(c);
    await next();
  });
  const log = options.log ?? quiet;
  const metrics: MetricsSink = options.metrics ?? { add() {} };
  const recheck: RecheckConfig = { ...DEFAULT_RECHECK_CONFIG, ...options.recheck };
  const maxBytes = options.maxBodyBytes ?? GITHUB_MAX_PAYLOAD_BYTES;
  const deps = { store: options.store, queue: options.queue, metrics, log };
  let prunedAt = 0;
  const prune = async () => {
    if (Date.now() - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = Date.now();
    await options.store
      .prune(options.retentionHours ?? 72)
      .catch((error: unknown) => log.warn("webhook prune failed", { error: (error as Error).message }));
  };

  const receive = (flavour: Flavour) => async (c: Context) => {
    const checked = await checkDelivery(c, flavour, options.secrets[flavour], metrics, maxBytes);
    if (checked instanceof Response) return checked;
    const { event, deliveryId, json } = checked;
    const known = isRecheckEvent(event);
    metrics.add(Metric.WebhookDeliveries, "Count", 1, { Event: known ? event : "other" });
    let change: ReturnType<typeof changeOf>;
    try {
      change = known ? changeOf(flavour, event, json) : null;
    } catch (error) {
      if (error instanceof MalformedPayloadError) return fail(c, 400, "malformed_payload", error.message);
      throw error;
    }
    const result = await handleDelivery(deps, { route: flavour, deliveryId, event, change }, recheck);
    await prune();
    return c.json(result.duplicate ? { targets: 0, duplicate: true } : { targets: result.targets }, 202);
  };

  // A declared length over the limit is refused before anything is read; an undeclared one while streaming.
  const limit = async (c: Context, next: () => Promise<void>) => {
    const declared = Number(c.req.header("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(c);
    await next();
  };
  app.post("/webhooks/github", limit, receive("github"));
  app.post("/webhooks/gitea", limit, receive("gitea"));
  app.all("/webhooks/*", (c) =>
    c.req.method === "POST"
      ? fail(c, 404, "not_found", "no such webhook route (use /webhooks/github or /webhooks/gitea)")
      : fail(c, 405, "method_not_allowed", "webhooks are POST"),
  );
  app.notFound((c) => fail(c, 404, "not_found", "no such route"));
  app.onError((error, c) => {
    if (c.req.raw.signal?.aborted) {
      // The sender hung up mid-request: nothing of ours failed, and nobody reads this answer.
      log.info("webhook request aborted by the client", { path: c.req.path });
      return fail(c, 400, "aborted", "the client closed the request");
    }
    log.error("webhook failed", { error: error.message, name: error.name, path: c.req.path });
    return c.json(errorBody("internal", "internal error"), 500);
  });
  return app;
}

/**
 * One app serving both: `/webhooks/*` to the webhook app, everything else to the admin app (what `drift serve`
 * runs; in AWS each has its own Function URL).
 */
export function withWebhooks(admin: Hono, webhooks: Hono): Hono {
  const root = new Hono();
  root.all("/webhooks/*", (c) => webhooks.fetch(c.req.raw));
  root.all("*", (c) => admin.fetch(c.req.raw, c.env));
  return root;
}
