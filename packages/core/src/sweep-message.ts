import { z } from "zod";
import { makeTarget, type Target } from "./target";
import { formatTrackedRef, parseTrackedRef } from "./tracked-ref";

/** One target inside a queue message (short field names: thousands of them share a 256 KiB message). */
const MessageTarget = z.object({
  /** provider */
  p: z.enum(["github", "gitea"]),
  /** host */
  h: z.string().min(1).max(260),
  /** owner */
  o: z.string().min(1).max(100),
  /** repo */
  r: z.string().min(1).max(100),
  /** tracked ref, canonical text (e.g. `tag:latest`) */
  t: z.string().min(1).max(600),
});

/** The body of an SQS message: a slice of one sweep's due targets, grouped by repository. Version 1. */
export const SweepMessageSchema = z.object({
  v: z.literal(1),
  sweepId: z.uuid(),
  seq: z.number().int().nonnegative(),
  targets: z.array(MessageTarget).min(1).max(5000),
});

export type SweepMessage = z.infer<typeof SweepMessageSchema>;

export function toMessageTarget(t: Target): SweepMessage["targets"][number] {
  return { p: t.provider, h: t.host, o: t.owner, r: t.repo, t: formatTrackedRef(t.ref) };
}

/** A message that can never be processed (bad JSON, wrong shape): it fails alone and ends in the DLQ. */
export class MalformedMessageError extends Error {
  override readonly name = "MalformedMessageError";
}

/** Parses and validates a message body; throws MalformedMessageError with a short, safe reason. */
export function parseSweepMessage(body: string): { message: SweepMessage; targets: Target[] } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError(`message body is not JSON (${body.length} bytes)`);
  }
  const parsed = SweepMessageSchema.safeParse(json);
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
