import type { Source, UpstreamChange } from "@drift/core";
import * as z from "zod/mini";
import { payloadSchemas } from "./payloads";

/** Events that can move a followed ref; every other event is acknowledged and ignored. */
export const RECHECK_EVENTS = ["push", "create", "delete", "release"] as const;
export type RecheckEvent = (typeof RECHECK_EVENTS)[number];

export function isRecheckEvent(event: string): event is RecheckEvent {
  return (RECHECK_EVENTS as readonly string[]).includes(event);
}

/** A payload the receiver cannot use (→ 400), with a short, safe reason. */
export class MalformedPayloadError extends Error {
  override readonly name = "MalformedPayloadError";
}

function parse<T>(schema: z.ZodMiniType<T>, json: unknown): T {
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new MalformedPayloadError(`payload ${first?.path.join(".") ?? ""}: ${first?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function repositoryOf(
  flavour: "github" | "gitea",
  repository: { full_name: string; html_url?: string | undefined },
): Source {
  // No host allows control characters (NUL among them, which PostgreSQL text cannot hold) in a name.
  if (/[\p{Cc}\p{Cs}]/u.test(repository.full_name))
    throw new MalformedPayloadError("repository.full_name holds control characters");
  const [owner, repo, ...rest] = repository.full_name.split("/");
  if (!owner || !repo || rest.length > 0)
    throw new MalformedPayloadError("repository.full_name is not OWNER/REPO");
  // github:// sources all belong to the configured GitHub (github.com or GHES): one host, named "github".
  if (flavour === "github") return { provider: "github", host: "github", owner, repo };
  let host: string;
  try {
    host = new URL(repository.html_url ?? "").host.toLowerCase();
  } catch {
    throw new MalformedPayloadError("repository.html_url is missing or not a URL");
  }
  if (!host) throw new MalformedPayloadError("repository.html_url has no host");
  return { provider: "gitea", host, owner, repo };
}

/** `refs/heads/X` → branch X, `refs/tags/X` → tag X, anything else → null. */
function fullRef(ref: string): { refType: "branch" | "tag"; name: string } | null {
  if (ref.startsWith("refs/heads/")) return { refType: "branch", name: ref.slice(11) };
  if (ref.startsWith("refs/tags/")) return { refType: "tag", name: ref.slice(10) };
  return null;
}

/**
 * What a push/create/delete/release payload says changed (null: nothing a target can follow, e.g. a push to
 * `refs/notes/…`). Throws MalformedPayloadError when the payload does not have the event's shape.
 */
export function changeOf(
  flavour: "github" | "gitea",
  event: RecheckEvent,
  json: unknown,
): UpstreamChange | null {
  const s = payloadSchemas();
  switch (event) {
    case "push": {
      const p = parse(s.push, json);
      const ref = fullRef(p.ref);
      return ref ? { repository: repositoryOf(flavour, p.repository), ...ref } : null;
    }
    case "create":
    case "delete": {
      const p = parse(s.createDelete, json);
      if (p.ref_type !== "branch" && p.ref_type !== "tag") return null;
      return { repository: repositoryOf(flavour, p.repository), refType: p.ref_type, name: p.ref };
    }
    case "release": {
      const p = parse(s.release, json);
      return { repository: repositoryOf(flavour, p.repository), refType: "tag", name: p.release.tag_name };
    }
  }
}
