import type { IntegrityKind } from "./policy";
import { versionBump } from "./policy";
import type { TargetOutcome } from "./ports";
import { repoKey } from "./target";

/**
 * The tag-integrity ledger's rules: what one message observed about the tags of followed repositories, and
 * which observations contradict the ledger (a fixed tag re-pointed, deleted or re-created; a `tag:latest` /
 * `semver:` choice lower than before). Pure: the SQL that loads and keeps the ledger is @drift/db tag-ledger.ts.
 */

/** A tag as observed: its commit, and its tag object (null: lightweight; undefined: the answer did not say). */
export interface SeenTag {
  readonly sha: string;
  readonly object?: string | null;
}

/** What the targets of one message say about tags (only targets that follow a tag: tag:NAME, latest, semver). */
export interface TagObservations {
  /** repository key → tag → commit (lower case) and tag object. */
  readonly present: Map<string, Map<string, SeenTag>>;
  /** Repositories whose whole tag list was seen: a ledger tag missing from it is gone. */
  readonly complete: Set<string>;
  /** repository key → tags the host says do not exist (a `tag:NAME` target answered not_found). */
  readonly gone: Map<string, Set<string>>;
  /** The tag each tag:latest / semver target chose. */
  readonly choices: readonly Choice[];
}

interface Choice {
  readonly targetKey: string;
  readonly repoKey: string;
  /** The target's tag prefix (monorepos), if any: versions are compared after it. */
  readonly prefix?: string;
  readonly tag: string;
  readonly sha: string;
  readonly object?: string | null;
}

const put = <V>(map: Map<string, V>, key: string, make: () => V): V => {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
};

const seen = (sha: string, object: string | null | undefined): SeenTag => ({
  sha: sha.toLowerCase(),
  ...(object !== undefined ? { object: object?.toLowerCase() ?? null } : {}),
});

/**
 * Notes a tag. Of two observations of one commit the one that knows the tag object wins; of two commits, a
 * resolved tag (`override`) wins over a listing, as the resolution is what drift is judged on.
 */
function note(tags: Map<string, SeenTag>, name: string, tag: SeenTag, override: boolean): void {
  const old = tags.get(name);
  if (old && old.sha === tag.sha) {
    if (old.object === undefined) tags.set(name, tag);
  } else if (!old || override) tags.set(name, tag);
}

/** Collects the tag observations of a message's outcomes. */
export function observeTags(outcomes: readonly TargetOutcome[]): TagObservations {
  const obs = {
    present: new Map<string, Map<string, SeenTag>>(),
    complete: new Set<string>(),
    gone: new Map<string, Set<string>>(),
    choices: [] as Choice[],
  };
  for (const { target, resolution: r } of outcomes) {
    const ref = target.ref;
    const rk = repoKey(target);
    if (ref.type === "tag") {
      if (r.status === "resolved")
        note(
          put(obs.present, rk, () => new Map()),
          ref.name,
          seen(r.sha, r.tagObject),
          true,
        );
      else if (r.kind === "not_found") put(obs.gone, rk, () => new Set()).add(ref.name);
    } else if ((ref.type === "latest" || ref.type === "semver") && r.status === "resolved") {
      const tags = put(obs.present, rk, () => new Map());
      for (const t of r.tags ?? []) note(tags, t.name, seen(t.sha, t.object), false);
      if (r.tags) obs.complete.add(rk);
      if (r.tag) {
        const chosen = seen(r.sha, r.tagObject);
        note(tags, r.tag, chosen, true);
        const prefix = ref.prefix !== undefined ? { prefix: ref.prefix } : {};
        obs.choices.push({ targetKey: target.key, repoKey: rk, tag: r.tag, ...prefix, ...chosen });
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
  /** The annotated tag object last seen; null: a lightweight tag, or not known. */
  readonly tag_object: string | null;
  readonly deleted: boolean;
}

/** What to write for one tag: `seen` (same commit and object), `moved` (new commit or re-created), `deleted`. */
export interface LedgerWrite {
  readonly repo_key: string;
  readonly tag: string;
  readonly commit_sha: string;
  readonly tag_object: string | null;
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
  /** The tag objects before and after, where known (null: lightweight or not known). */
  readonly previous_tag_object: string | null;
  readonly tag_object: string | null;
}

type Side = { readonly sha: string | null; readonly object: string | null };

const finding = (
  kind: IntegrityKind,
  repo: string,
  tag: string,
  before: Side,
  after: Side,
): IntegrityFinding => ({
  kind,
  repo_key: repo,
  tag,
  target_key: null,
  previous_tag: null,
  previous_sha: before.sha,
  new_sha: after.sha,
  previous_tag_object: before.object,
  tag_object: after.object,
});

/**
 * How an observation contradicts the ledger row of its tag, if it does: back after a deletion, another commit,
 * or the same commit under another tag object (deleted and re-created between two looks: a new annotated tag,
 * or a lightweight one instead). A tag object first learned (the ledger did not know one) is no contradiction.
 */
function contradiction(old: LedgerTag, now: SeenTag): IntegrityKind | undefined {
  if (old.deleted) return "tag_recreated";
  if (old.commit_sha !== now.sha) return "tag_repointed";
  if (old.tag_object !== null && now.object !== undefined && now.object !== old.tag_object)
    return "tag_recreated";
  return undefined;
}

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
    for (const [tag, now] of tags) {
      const old = known.get(`${rk}\n${tag}`);
      // Not said this time: the object known for this commit stays (another commit: not known).
      const object =
        now.object !== undefined ? now.object : old?.commit_sha === now.sha ? old.tag_object : null;
      const kind = old && contradiction(old, now);
      if (old && kind)
        findings.push(
          finding(kind, rk, tag, { sha: old.commit_sha, object: old.tag_object }, { sha: now.sha, object }),
        );
      const change = old && !kind ? "seen" : "moved";
      writes.push({ repo_key: rk, tag, commit_sha: now.sha, tag_object: object, change });
    }
  }
  for (const l of ledger) {
    if (l.deleted || obs.present.get(l.repo_key)?.has(l.tag)) continue;
    if (obs.complete.has(l.repo_key) || obs.gone.get(l.repo_key)?.has(l.tag)) {
      const before = { sha: l.commit_sha, object: l.tag_object };
      findings.push(finding("tag_deleted", l.repo_key, l.tag, before, { sha: null, object: null }));
      const { repo_key, tag, commit_sha, tag_object } = l;
      writes.push({ repo_key, tag, commit_sha, tag_object, change: "deleted" });
    }
  }
  for (const c of obs.choices) {
    const before = previousChoices.get(c.targetKey);
    if (before && versionBump(before.tag, c.tag, c.prefix) === "downgrade") {
      const after = { sha: c.sha, object: c.object ?? null };
      findings.push({
        ...finding("version_downgrade", c.repoKey, c.tag, { sha: before.sha, object: null }, after),
        target_key: c.targetKey,
        previous_tag: before.tag,
      });
    }
  }
  return { writes, findings };
}
