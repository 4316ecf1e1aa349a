import * as z from "zod/mini";
import { NOTIFY_EVENTS, NOTIFY_FORMATS, type NotifyEvent, type NotifyFormat } from "./notify-events";

/**
 * The JSON of one subscription as `PUT /admin/notifications` and `drift notify set` take it (CONTRACT
 * "notifications"): `{"id"?, "url", "format", "events", "secret"?, "digest"?}`. The URL's form and addresses are
 * checked apart (notify-url.ts and the caller's DNS lookup).
 */
export interface SubscriptionInput {
  readonly id?: string;
  readonly url: string;
  readonly format: NotifyFormat;
  readonly events: readonly NotifyEvent[];
  /** Absent: keep the stored one (on update); null: remove it. */
  readonly secret?: string | null;
  readonly digest: "daily" | null;
}

// @__NO_SIDE_EFFECTS__
function buildSchema() {
  const oneOf = (values: readonly string[]) => `must be one of ${values.map((v) => `"${v}"`).join(", ")}`;
  return z.strictObject({
    id: z.optional(z.guid({ message: "must be a UUID" })),
    url: z.string({ message: "must be a string" }),
    format: z.enum(NOTIFY_FORMATS, { message: oneOf(NOTIFY_FORMATS) }),
    events: z
      .array(z.enum(NOTIFY_EVENTS, { message: oneOf(NOTIFY_EVENTS) }), { message: "must be an array" })
      .check(z.minLength(1, { message: "must name at least one event" })),
    secret: z.optional(
      z.nullable(
        z
          .string()
          .check(
            z.minLength(16, { message: "must be at least 16 characters" }),
            z.maxLength(256, { message: "must be at most 256 characters" }),
          ),
      ),
    ),
    digest: z.optional(z.nullable(z.literal("daily", { message: 'must be "daily" or absent' }))),
  });
}

let schema: ReturnType<typeof buildSchema> | undefined;

/** The schema {@link parseSubscriptionInput} validates with (the OpenAPI document describes the route by it). */
export function subscriptionInputSchema(): ReturnType<typeof buildSchema> {
  schema ??= buildSchema();
  return schema;
}

/**
 * Validates one subscription; the first problem as one line naming the field (`events.1: must be one of …`).
 *
 * @example
 * parseSubscriptionInput({ url: "https://hooks.slack.com/…", format: "slack", events: ["drift.detected"] })
 */
export function parseSubscriptionInput(
  value: unknown,
): { ok: true; value: SubscriptionInput } | { ok: false; field: string; error: string } {
  schema ??= buildSchema();
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join(".") : "body";
    const message =
      issue?.code === "unrecognized_keys"
        ? `unknown field(s) ${issue.keys.map((k) => (/^[A-Za-z0-9_.-]{1,40}$/.test(k) ? k : "(not shown)")).join(", ")}`
        : issue?.message;
    return { ok: false, field, error: `${field}: ${message ?? "invalid"}` };
  }
  const { id, url, format, events, secret, digest } = parsed.data;
  return {
    ok: true,
    value: {
      ...(id ? { id } : {}),
      url,
      format,
      events: [...new Set(events)],
      ...(secret !== undefined ? { secret } : {}),
      digest: digest ?? null,
    },
  };
}
