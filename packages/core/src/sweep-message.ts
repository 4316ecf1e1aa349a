// zod/mini: the functional API of zod v4 tree-shakes to the few validators used here (~15 KiB in a bundle),
// where `import { z } from "zod"` ships the whole library with every locale (~440 KiB) to each Lambda.
import { en } from "zod/locales";
import * as z from "zod/mini";
import { makeTarget, type Target } from "./target";
import { formatTrackedRef, parseTrackedRef } from "./tracked-ref";

/**
 * Builds the message schema. Marked free of side effects so that a bundle which never parses a message (the
 * migrate Lambda reaches this module through @drift/db) drops the schema and zod with it.
 */
// @__NO_SIDE_EFFECTS__
function buildSweepMessageSchema() {
  /** One target inside a queue message (short field names: thousands of them share a 256 KiB message). */
  const messageTarget = z.object({
    /** provider */
    p: z.enum(["github", "gitea"]),
    /** host */
    h: z.string().check(z.minLength(1), z.maxLength(260)),
    /** owner */
    o: z.string().check(z.minLength(1), z.maxLength(100)),
    /** repo */
    r: z.string().check(z.minLength(1), z.maxLength(100)),
    /** tracked ref, canonical text (e.g. `tag:latest`) */
    t: z.string().check(z.minLength(1), z.maxLength(600)),
  });
  return z.object({
    v: z.literal(1),
    sweepId: z.uuid(),
    seq: z.number().check(z.int(), z.nonnegative()),
    /** A deferral's attempt: how many times these targets were re-queued for not being answered in time. */
    d: z.optional(z.number().check(z.int(), z.positive())),
    targets: z.array(messageTarget).check(z.minLength(1), z.maxLength(5000)),
  });
}

/** The body of an SQS message: a slice of one sweep's due targets, grouped by repository. Version 1. */
export const SweepMessageSchema = buildSweepMessageSchema();

export type SweepMessage = z.infer<typeof SweepMessageSchema>;

export function toMessageTarget(t: Target): SweepMessage["targets"][number] {
  return { p: t.provider, h: t.host, o: t.owner, r: t.repo, t: formatTrackedRef(t.ref) };
}

/** A message that can never be processed (bad JSON, wrong shape): it fails alone and ends in the DLQ. */
export class MalformedMessageError extends Error {
  override readonly name = "MalformedMessageError";
}

/**
 * zod/mini carries no messages of its own ("Invalid input" for everything); the English ones, as the classic
 * API loads on import, unless the application configured a locale itself. Done on first use, not on import.
 */
function useEnglishIssueMessages(): void {
  if (!z.config().localeError) z.config(en());
}

/** Parses and validates a message body; throws MalformedMessageError with a short, safe reason. */
export function parseSweepMessage(body: string): { message: SweepMessage; targets: Target[] } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError(`message body is not JSON (${body.length} bytes)`);
  }
  useEnglishIssueMessages();
  const parsed = z.safeParse(SweepMessageSchema, json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new MalformedMessageError(
      `message does not match schema: ${first?.path.join(".") ?? ""} ${first?.message ?? ""}`,
    );
  }
  const targets: Target[] = [];
  for (const t of parsed.data.targets) {
    const ref = parseTrackedRef(t.t);
    if (ref.status !== "ok") throw new MalformedMessageError(`message holds an unusable tracked ref`);
    targets.push(makeTarget({ provider: t.p, host: t.h, owner: t.o, repo: t.r }, ref.value));
  }
  return { message: parsed.data, targets };
}
