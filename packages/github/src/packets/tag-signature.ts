import type { CommitReview, Fetched, Signature } from "@drift/core";
import type { HostEnv } from "../shared/host";
import { mapBounded } from "../shared/limit";
import { restTagSignature } from "./review-packet-rest";

/** What the resolution said of the annotated tag of one packet's commit. */
export interface PacketTag {
  readonly repo: { readonly owner: string; readonly name: string };
  /** The tag object's id; null: a lightweight tag; undefined: not known. */
  readonly tagObject?: string | null;
  /** Its signature, when the resolution already read it (Gitea's peel does). */
  readonly tagSignature?: Signature;
}

/**
 * A valid signature on the annotated tag makes a version `signed` (CONTRACT "trust"). The resolution names the tag
 * object (and on Gitea already read its signature); GitHub's published GraphQL schema has no `Tag.signature`, so
 * the verdict comes from REST `git/tags/{sha}`: one request per distinct (repository, tag object), and only for a
 * packet whose trust it can change (the commit's own signature not valid, the release not immutable). A
 * lightweight tag, or a tag the resolution did not name, costs nothing. A failed lookup fails the packet
 * (retried by a later sweep) rather than leave the version's trust lower than it is for good.
 */
export async function addTagSignatures(
  env: HostEnv,
  packets: Map<string, Fetched<CommitReview>>,
  tagOf: (key: string) => PacketTag | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const wanted = new Map<string, { tag: PacketTag & { tagObject: string }; keys: string[] }>();
  for (const [key, packet] of packets) {
    const tag = tagOf(key);
    if (!packet.ok || typeof tag?.tagObject !== "string") continue;
    if (tag.tagSignature) {
      packets.set(key, { ok: true, value: { ...packet.value, tagSignature: tag.tagSignature } });
      continue;
    }
    if (packet.value.signature === "valid" || packet.value.release?.immutable === true) continue;
    const id = `${tag.repo.owner.toLowerCase()}/${tag.repo.name.toLowerCase()}\n${tag.tagObject}`;
    const entry = wanted.get(id) ?? { tag: { ...tag, tagObject: tag.tagObject }, keys: [] };
    entry.keys.push(key);
    wanted.set(id, entry);
  }
  await mapBounded([...wanted.values()], env.settings.maxConcurrencyPerHost, async (w) => {
    const got = await restTagSignature(env, w.tag.repo, w.tag.tagObject, signal);
    for (const key of w.keys) {
      const packet = packets.get(key);
      if (!packet?.ok) continue;
      packets.set(key, got.ok ? { ok: true, value: { ...packet.value, tagSignature: got.value } } : got);
    }
  });
}
