import { randomUUID } from "node:crypto";
import type { Log, Resolver } from "@drift/core";
import { listIntegrityEvents, listPendingUpdates, listUpdates, putPolicy, type Sql } from "@drift/db";
import type { World } from "@drift/github-sim";
import { runLocalSweep } from "./runner";

const DAY = 24 * 3600e3;
const iso = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "unknown");

/**
 * The demo's trust part (CONTRACT "trust"), after the policies part (global: patch, 3 days): a patch tagged on a
 * commit whose author backdated it two years is still held for 3 days from the sweep's first sighting; and a
 * signed, immutable v1.2.0 followed by an unsigned v1.2.1 is flagged as a trust downgrade (never auto-applied,
 * one integrity event); a patch whose commit is unsigned but whose annotated tag carries a valid signature is
 * `signed`, and a policy that requires it applies it. `at`: the injected clock to start from.
 */
export async function demoTrust(
  sql: Sql,
  world: World,
  resolver: Resolver,
  log: Log,
  out: (line?: string) => void,
  at: number,
): Promise<void> {
  out("-- trust: dates an author writes are shown, never trusted; a version vouched for by less is held --");
  const ws = randomUUID();
  const follow = (plugin: string, repo: string, installed: string) =>
    sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
        VALUES (${ws}, ${plugin}, ${`github://${repo}`}, 'tag:latest', ${installed})`;
  const sweepAt = (ms: number) => runLocalSweep({ sql, resolver, log, now: () => new Date(ms) });

  const back = "acme/vault-sync";
  world.createRepo(back);
  await follow("vault-sync", back, world.tag(back, "v1.0.0").commit);
  const twoYears = new Date(at - 730 * DAY).toISOString();
  const old = world.commit(back, "main", "backdated", { date: twoYears });
  world.tag(back, "v1.0.1", { target: old, annotated: true, date: twoYears });

  const kit = "acme/sign-kit";
  world.createRepo(kit);
  await follow("sign-kit", kit, world.tag(kit, "v1.1.0").commit);
  world.commit(kit, "main", "signed release", { signature: "valid" });
  world.tag(kit, "v1.2.0");
  world.release(kit, "v1.2.0", { immutable: true });
  await putPolicy(sql, { workspace_id: ws, plugin_name: "sign-kit", auto_apply: "minor" }, "cli");

  const tagged = "acme/tag-signer";
  world.createRepo(tagged);
  await follow("tag-signer", tagged, world.tag(tagged, "v1.0.0").commit);
  const unsignedCommit = world.commit(tagged, "main", "unsigned commit");
  world.tag(tagged, "v1.0.1", { target: unsignedCommit, annotated: true, signature: "valid" });
  const requireSigned = { auto_apply: "patch", require: "signed", min_release_age: "0" } as const;
  await putPolicy(sql, { workspace_id: ws, plugin_name: "tag-signer", ...requireSigned }, "cli");

  await sweepAt(at);
  const held = (await listPendingUpdates(sql)).find(
    (r) => r.workspace_id === ws && r.plugin_name === "vault-sync",
  );
  out(`  ${back} v1.0.1: tag and commit dated ${iso(held?.tagged_at)} by their author,`);
  out(`    first seen ${iso(held?.first_seen_at)}: cooling down until ${iso(held?.ready_at)}`);
  const [signer] = (await listUpdates(sql, { workspaceId: ws, pluginName: "tag-signer", limit: 1 })).items;
  out(`  ${tagged} v1.0.1: commit ${signer?.signature ?? "unknown"}, annotated tag validly signed:`);
  out(
    `    trust ${signer?.trust ?? "unknown"}, ${signer?.status ?? "not queued"} under a policy requiring signed`,
  );

  world.commit(kit, "main", "unsigned, no release");
  world.tag(kit, "v1.2.1");
  const later = await sweepAt(at + 3600e3);
  const down = (await listPendingUpdates(sql)).find(
    (r) => r.workspace_id === ws && r.plugin_name === "sign-kit",
  );
  out(`  ${kit} v1.2.0 (immutable release, applied) -> v1.2.1: trust ${down?.trust ?? "unknown"}`);
  out(
    `    ${down?.trust_downgrade ? "(!) TRUST DOWNGRADE: held for a person, never auto-applied" : "no downgrade"}`,
  );
  const [event] = (await listIntegrityEvents(sql, 10)).filter((e) => e.kind === "trust_downgrade");
  if (event)
    out(
      `  ALARM trust_downgrade: ${event.repo_key} ${event.tag} (${event.previous_trust} -> ${event.trust})`,
    );
  out(`  (IntegrityEvents metric +${later.policies.integrityEvents}: the TagIntegrity alarm covers it)`);
  out();
}
