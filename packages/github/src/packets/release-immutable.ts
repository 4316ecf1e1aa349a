import type { CommitReview, Fetched } from "@drift/core";
import type { HostEnv } from "../shared/host";
import { mapBounded } from "../shared/limit";
import { restRelease } from "./review-packet-rest";

/**
 * GitHub's published GraphQL schema has no `Release.immutable`: packets fetched through GraphQL learn it from
 * the REST release object, one request per (repository, tag) that GraphQL found a release for (a tag without a
 * release costs nothing). A failed lookup fails the packet (retried by a later sweep) rather than leave the
 * release's immutability unknown for good.
 */
export async function addImmutability(
  env: HostEnv,
  packets: Map<string, Fetched<CommitReview>>,
  repoOf: (key: string) => { owner: string; name: string } | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const wanted = new Map<string, { repo: { owner: string; name: string }; tag: string; keys: string[] }>();
  for (const [key, packet] of packets) {
    const repo = repoOf(key);
    const tag = packet.ok ? packet.value.release?.tag : undefined;
    if (!repo || tag === undefined) continue;
    const id = `${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}\n${tag}`;
    const entry = wanted.get(id) ?? { repo, tag, keys: [] };
    entry.keys.push(key);
    wanted.set(id, entry);
  }
  await mapBounded([...wanted.values()], env.settings.maxConcurrencyPerHost, async (w) => {
    const got = await restRelease(env, w.repo, w.tag, signal);
    for (const key of w.keys) {
      const packet = packets.get(key);
      if (!packet?.ok || !packet.value.release) continue;
      if (!got.ok) packets.set(key, got);
      else {
        const immutable = got.value?.immutable ?? null;
        packets.set(key, {
          ok: true,
          value: { ...packet.value, release: { ...packet.value.release, immutable } },
        });
      }
    }
  });
}
