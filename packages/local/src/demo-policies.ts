import type { Log, Resolver } from "@drift/core";
import { listIntegrityEvents, putPolicy, type Sql } from "@drift/db";
import type { World } from "@drift/github-sim";
import { runLocalSweep } from "./runner";

const HOUR = 3600e3;

/**
 * The demo's supply-chain part: a global policy (patch releases auto-apply 3 days after the sweep first saw
 * them), a fresh patch release that cools down, is applied by the sweep three (simulated) days later, and a
 * force-moved tag that rings the integrity alarm. The clock is injected: the simulated host dates its releases
 * in 2024. Returns the clock of its last sweep.
 */
export async function demoPolicies(
  sql: Sql,
  world: World,
  resolver: Resolver,
  log: Log,
  out: (line?: string) => void,
): Promise<number> {
  out("-- supply-chain policies: global policy auto_apply=patch, min_release_age=3d --");
  await putPolicy(sql, { auto_apply: "patch", min_release_age: "3d" }, "cli");
  // Signed like v1.2.0 before it: an unsigned patch would be a trust downgrade, held for a person.
  world.commit("acme/lint-rules", "main", "fix a false positive", { signature: "valid" });
  world.tag("acme/lint-rules", "v1.2.1");
  const published = Date.parse(world.release("acme/lint-rules", "v1.2.1").publishedAt ?? "");
  const sweepAt = (ms: number) => runLocalSweep({ sql, resolver, log, now: () => new Date(ms) });

  const young = await sweepAt(published + HOUR);
  const [row] = await sql<{ plugin_name: string; ready_at: Date | null }[]>`
    SELECT plugin_name, ready_at FROM plugin_update_queue
    WHERE status = 'pending' AND resolved_tag = 'v1.2.1' ORDER BY id LIMIT 1`;
  out(`  1 h after lint-rules v1.2.1 was released: ${young.policies.coolingDown} update(s) cooling down`);
  if (row)
    out(
      `    e.g. ${row.plugin_name} -> v1.2.1: cooling down until ${row.ready_at?.toISOString().replace(/\.\d{3}Z$/, "Z")} (3 days after this sweep first saw it)`,
    );
  // Three days after the sweep first saw it (not after the release date, which its author wrote).
  const ready = await sweepAt(published + HOUR + 3 * 24 * HOUR);
  out(
    `  3 days later the sweep auto-applied ${ready.policies.autoApplied} patch update(s) (decided_by policy:<id>); minor and major bumps still wait for a person`,
  );

  world.moveTag("acme/lint-rules", "v1.0.0", world.commit("acme/lint-rules", "main", "unreviewed"));
  const last = published + 3 * 24 * HOUR + 2 * HOUR;
  const moved = await sweepAt(last);
  for (const e of await listIntegrityEvents(sql, 3))
    out(
      `  ALARM ${e.kind}: ${e.repo_key} ${e.tag} ${e.previous_sha?.slice(0, 7)} -> ${e.new_sha?.slice(0, 7) ?? "gone"}`,
    );
  out(
    `  (IntegrityEvents metric +${moved.policies.integrityEvents}: in AWS the TagIntegrity alarm fires on the first)`,
  );
  out();
  return last;
}
