import type { IntegrityKind } from "./policy";
import { versionBump } from "./policy";
import type { TargetOutcome } from "./ports";
import { repoKey } from "./target";

/**
 * The tag-integrity ledger's rules: what one message observed about the tags of followed repositories, and
 * which observations contradict the ledger (a fixed tag re-pointed, deleted or re-created; a `tag:latest` /
 * `semver:` choice lower than before). Pure: the SQL that loads and keeps the ledger is @drift/db tag-ledger.ts.
 */

/** What the targets of one message say about tags (only targets that follow a tag: tag:NAME, latest, semver). */
export interface TagObservations {
  /** repository key → tag → commit (lower case). */
  readonly present: Map<string, Map<string, string>>;
  /** Repositories whose whole tag list was seen: a ledger tag missing from it is gone. */
  readonly complete: Set<string>;
  /** repository key → tags the host says do not exist (a `tag:NAME` target answered not_found). */
  readonly gone: Map<string, Set<string>>;
  /** The tag each tag:latest / semver target chose. */
  readonly choices: readonly { targetKey: string; repoKey: string; tag: string; sha: string }[];
}

const put = <V>(map: Map<string, V>, key: string, make: () => V): V => {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
};

/** Collects the tag observations of a message's outcomes. */
export function observeTags(outcomes: readonly TargetOutcome[]): TagObservations {
  const obs = {
    present: new Map<string, Map<string, string>>(),
    complete: new Set<string>(),
    gone: new Map<string, Set<string>>(),
    choices: [] as { targetKey: string; repoKey: string; tag: string; sha: string }[],
  };
  for (const { target, resolution: r } of outcomes) {
    const ref = target.ref;
    const rk = repoKey(target);
    if (ref.type === "tag") {
      if (r.status === "resolved") put(obs.present, rk, () => new Map()).set(ref.name, r.sha.toLowerCase());
      else if (r.kind === "not_found") put(obs.gone, rk, () => new Set()).add(ref.name);
    } else if ((ref.type === "latest" || ref.type === "semver") && r.status === "resolved") {
      const tags = put(obs.present, rk, () => new Map());
      for (const t of r.tags ?? []) if (!tags.has(t.name)) tags.set(t.name, t.sha.toLowerCase());
      if (r.tags) obs.complete.add(rk);
      if (r.tag) {
        tags.set(r.tag, r.sha.toLowerCase());
        obs.choices.push({ targetKey: target.key, repoKey: rk, tag: r.tag, sha: r.sha.toLowerCase() });
      }
    }
  }
  return obs;
}

/** A ledger row as stored. */
export interface LedgerTag {
  readonly repo_key: string;
  readonly tag: string;
  readonly commit_sha: string;
  readonly deleted: boolean;
}

/** What to write for one tag: `seen` (same commit), `moved` (new commit or re-created), `deleted`. */
export interface LedgerWrite {
  readonly repo_key: string;
  readonly tag: string;
  readonly commit_sha: string;
  readonly change: "seen" | "moved" | "deleted";
}

export interface IntegrityFinding {
  readonly kind: IntegrityKind;
  readonly repo_key: string;
  readonly tag: string;
  readonly target_key: string | null;
  readonly previous_tag: string | null;
  readonly previous_sha: string | null;
  readonly new_sha: string | null;
}

const finding = (
  kind: IntegrityKind,
  repo: string,
  tag: string,
  previous: string | null,
  next: string | null,
): IntegrityFinding => ({
  kind,
  repo_key: repo,
  tag,
  target_key: null,
  previous_tag: null,
  previous_sha: previous,
  new_sha: next,
});

/**
 * Compares a message's observations with the ledger rows of the same repositories and the targets' previous
 * choices. A tag seen for the first time is recorded without an event; the same observation again changes
 * nothing but `last_seen`, so each contradiction yields exactly one finding.
 */
export function judgeTags(
  obs: TagObservations,
  ledger: readonly LedgerTag[],
  previousChoices: ReadonlyMap<string, { tag: string; sha: string }>,
): { writes: LedgerWrite[]; findings: IntegrityFinding[] } {
  const known = new Map(ledger.map((l) => [`${l.repo_key}\n${l.tag}`, l]));
  const writes: LedgerWrite[] = [];
  const findings: IntegrityFinding[] = [];
  for (const [rk, tags] of obs.present) {
    for (const [tag, sha] of tags) {
      const old = known.get(`${rk}\n${tag}`);
      let change: LedgerWrite["change"] = old ? "seen" : "moved";
      if (old?.deleted) {
        findings.push(finding("tag_recreated", rk, tag, old.commit_sha, sha));
        change = "moved";
      } else if (old && old.commit_sha !== sha) {
        findings.push(finding("tag_repointed", rk, tag, old.commit_sha, sha));
        change = "moved";
      }
      writes.push({ repo_key: rk, tag, commit_sha: sha, change });
    }
  }
  for (const l of ledger) {
    if (l.deleted || obs.present.get(l.repo_key)?.has(l.tag)) continue;
    if (obs.complete.has(l.repo_key) || obs.gone.get(l.repo_key)?.has(l.tag)) {
      findings.push(finding("tag_deleted", l.repo_key, l.tag, l.commit_sha, null));
      writes.push({ repo_key: l.repo_key, tag: l.tag, commit_sha: l.commit_sha, change: "deleted" });
    }
  }
  for (const c of obs.choices) {
    const before = previousChoices.get(c.targetKey);
    if (before && versionBump(before.tag, c.tag) === "downgrade") {
      findings.push({
        ...finding("version_downgrade", c.repoKey, c.tag, before.sha, c.sha),
        target_key: c.targetKey,
        previous_tag: before.tag,
      });
    }
  }
  return { writes, findings };
}
