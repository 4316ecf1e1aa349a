import type { ListedCommitTag, Resolution, Target, TrackedRef } from "@drift/core";
import { type Failure, failure } from "../shared/errors";
import { label, resolved } from "../shared/host";
import type { Redactor } from "../shared/redact";
import { type ListedTag, pickLatest, pickSatisfying, prefixed } from "../shared/tags";
import {
  type BuiltRepo,
  type Peeled,
  type RepoSelection,
  readPeeled,
  readTagObject,
  type TagObject,
} from "./graphql-query";

/** An entry of a GraphQL `errors` array, as GitHub sends it. */
export interface GraphqlError {
  type?: string;
  message?: string;
  path?: unknown[];
}

/** Which round a query belongs to: a failure only spoils what that round was for. */
export type Phase = "refs" | "tags" | "peel";

type RefOutcome =
  | Peeled
  | { readonly kind: "missing" }
  | { readonly kind: "failed"; readonly failure: Failure };

type TagConnection = {
  pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
  nodes?: ({ name?: string; target?: unknown } | null)[];
};

/**
 * Everything asked and learned about one repository during one resolve call: the refs to look up, the tag
 * list pages, answers of follow-up peel queries, and failures per round. Turns all of it into one
 * Resolution per target at the end.
 */
export class RepoPlan {
  readonly refs = new Set<string>();
  wantsTags = false;
  /** The repository itself failed (missing, forbidden, deferred…): every target of it gets this. */
  failure?: Failure;
  private readonly refResults = new Map<string, RefOutcome>();
  /** qualified ref or listed tag name → the object it names (the tag object of an annotated tag) */
  private readonly tagObjects = new Map<string, TagObject>();
  private readonly tags: ListedTag<Peeled | undefined>[] = [];
  tagCursor: string | null = null;
  tagsDone = false;
  tagsFailure?: Failure;
  /** tag object id → what it points at (answers of follow-up `object(oid:)` queries) */
  private readonly peels = new Map<string, Peeled>();
  peelFailure?: Failure;
  private tagIndex?: ListedCommitTag[];
  /** target key → the tag chosen for tag:latest / semver */
  private readonly choices = new Map<string, ListedTag<Peeled | undefined> | undefined>();

  constructor(
    readonly owner: string,
    readonly name: string,
  ) {}

  get label(): string {
    return label({ owner: this.owner, repo: this.name });
  }

  /** Notes what a tracked ref needs: `ref:` asks for the branch and the tag in the same query. */
  want(ref: TrackedRef): void {
    if (ref.type === "tag") this.refs.add(`refs/tags/${ref.name}`);
    else if (ref.type === "branch") this.refs.add(`refs/heads/${ref.name}`);
    else if (ref.type === "ref") this.refs.add(`refs/heads/${ref.name}`).add(`refs/tags/${ref.name}`);
    else if (ref.type === "latest" || ref.type === "semver") this.wantsTags = true;
  }

  /** First-round selections: the refs (at most `perQuery` per selection) and the first tag page. */
  firstSelections(perQuery: number): RepoSelection[] {
    const refs = [...this.refs];
    const out: RepoSelection[] = [];
    for (let i = 0; i === 0 || i < refs.length; i += perQuery) {
      out.push({
        owner: this.owner,
        name: this.name,
        refs: refs.slice(i, i + perQuery),
        ...(i === 0 && this.wantsTags ? { tags: { after: null } } : {}),
      });
    }
    return out;
  }

  /** True while the tag list has further pages to fetch. */
  get needsTagPage(): boolean {
    return this.wantsTags && !this.tagsDone && !this.failure && !this.tagsFailure;
  }

  fail(phase: Phase, f: Failure): void {
    if (phase === "refs") this.failure ??= f;
    else if (phase === "tags") this.tagsFailure ??= f;
    else this.peelFailure ??= f;
  }

  /** Records the answer for this repository's field (`node`), with the errors whose path starts there. */
  accept(
    repo: BuiltRepo,
    node: Record<string, unknown>,
    own: readonly GraphqlError[],
    redact: Redactor,
  ): void {
    // Errors below the repository (path [repo, field, …]) fail that field only: a null there is not "missing".
    const fieldErrors = new Map<string, string>();
    for (const e of own) {
      const field = Array.isArray(e.path) && e.path.length > 1 ? String(e.path[1]) : undefined;
      if (field) fieldErrors.set(field, redact.text(e.message ?? e.type ?? "error").slice(0, 200));
    }
    const unexpected = (what: string, alias: string) => {
      const said = fieldErrors.get(alias);
      return failure(
        "transient",
        `${what} in ${this.label}: ${said ? `GitHub error: ${said}` : "unexpected answer"}`,
      );
    };
    for (const [qualified, alias] of repo.refAliases) {
      const ref = node[alias] as { target?: unknown } | null | undefined;
      const peeled = readPeeled(ref?.target);
      const object = readTagObject(ref?.target);
      if (object && qualified.startsWith("refs/tags/")) this.tagObjects.set(qualified, object);
      if (ref === null && !fieldErrors.has(alias)) this.refResults.set(qualified, { kind: "missing" });
      else
        this.refResults.set(qualified, peeled ?? { kind: "failed", failure: unexpected(qualified, alias) });
    }
    for (const [oid, alias] of repo.objectAliases) {
      const peeled = readPeeled(node[alias]);
      if (peeled) this.peels.set(oid, peeled);
      else this.peelFailure ??= unexpected(`object ${oid}`, alias);
    }
    if (repo.tagsAlias) {
      const conn = node[repo.tagsAlias] as TagConnection | null | undefined;
      // Never choose from a partial list: a missing node (or any error under the tag page) might be the highest
      // version, so tag:latest / semver of this repository are transient until a sweep sees the whole list.
      const partial =
        fieldErrors.has(repo.tagsAlias) ||
        (Array.isArray(conn?.nodes) && conn.nodes.some((n) => !n || typeof n.name !== "string"));
      if (!conn || !Array.isArray(conn.nodes) || !conn.pageInfo || partial) {
        this.tagsFailure ??= unexpected("tag list", repo.tagsAlias);
        return;
      }
      for (const n of conn.nodes) {
        if (!n || typeof n.name !== "string") continue;
        this.tags.push({ name: n.name, target: readPeeled(n.target) });
        const object = readTagObject(n.target);
        if (object) this.tagObjects.set(`refs/tags/${n.name}`, object);
      }
      const next = conn.pageInfo.hasNextPage === true && typeof conn.pageInfo.endCursor === "string";
      this.tagCursor = next ? (conn.pageInfo.endCursor as string) : null;
      this.tagsDone = !next;
    }
  }

  /** After the last tag page: picks the tag of each tag:latest / semver target. */
  choose(t: Target, maxTags: number): void {
    if (this.failure || this.tagsFailure || !this.wantsTags) return;
    if (!this.tagsDone) {
      this.tagsFailure = failure("transient", `${this.label}: more than ${maxTags} tags`);
      return;
    }
    // A tag of a tree or blob is no release of the plugin: it cannot win.
    const candidates = this.tags.filter((tag) => tag.target?.kind !== "other");
    if (t.ref.type === "latest") this.choices.set(t.key, pickLatest(candidates, t.ref.prefix));
    else if (t.ref.type === "semver")
      this.choices.set(t.key, pickSatisfying(candidates, t.ref.range, t.ref.prefix));
  }

  /** Tag objects whose chain still has to be followed (deeper than the inline fragment reached). */
  pendingPeels(): string[] {
    if (this.failure || this.peelFailure) return [];
    const pending = new Set<string>();
    const visit = (p: Peeled | undefined) => {
      const end = p && this.follow(p);
      if (end?.kind === "tag") pending.add(end.oid);
    };
    for (const outcome of this.refResults.values())
      if (outcome.kind !== "missing" && outcome.kind !== "failed") visit(outcome);
    for (const choice of this.choices.values()) visit(choice?.target);
    return [...pending];
  }

  /** The resolution of one target from what was learned. */
  outcome(t: Target): Resolution {
    if (this.failure) return this.failure;
    const ref = t.ref;
    const at = `in ${this.label}`;
    switch (ref.type) {
      case "tag":
        return (
          this.fromRef(`refs/tags/${ref.name}`, `tag ${ref.name} ${at}`) ??
          failure("not_found", `tag ${ref.name} not found ${at}`)
        );
      case "branch":
        return (
          this.fromRef(`refs/heads/${ref.name}`, `branch ${ref.name} ${at}`) ??
          failure("not_found", `branch ${ref.name} not found ${at}`)
        );
      case "ref":
        return (
          this.fromRef(`refs/heads/${ref.name}`, `branch ${ref.name} ${at}`) ??
          this.fromRef(`refs/tags/${ref.name}`, `tag ${ref.name} ${at}`) ??
          failure("not_found", `no branch or tag ${ref.name} ${at}`)
        );
      case "latest":
      case "semver": {
        if (this.tagsFailure) return this.tagsFailure;
        const choice = this.choices.get(t.key);
        if (!choice) {
          return failure(
            "not_found",
            ref.type === "latest"
              ? `no stable semver tag${prefixed(ref.prefix)} ${at}`
              : `no tag${prefixed(ref.prefix)} ${at} satisfies ${ref.range}`,
          );
        }
        return this.fromPeeled(choice.target, `tag ${choice.name} ${at}`, {
          tag: choice.name,
          tags: this.tagCommits(),
          object: this.tagObjects.get(`refs/tags/${choice.name}`),
        });
      }
      case "sha":
        return resolved(ref.sha);
    }
  }

  /** Follows answered tag chains as far as they go. */
  private follow(p: Peeled): Peeled {
    let current = p;
    for (let i = 0; i < 64 && current.kind === "tag"; i++) {
      const next = this.peels.get(current.oid);
      if (!next) break;
      current = next;
    }
    return current;
  }

  /** The listed tags that peel to a commit (the review packet names the installed commit from them). */
  private tagCommits(): ListedCommitTag[] {
    this.tagIndex ??= this.tags.flatMap((t) => {
      const end = t.target && this.follow(t.target);
      if (end?.kind !== "commit") return [];
      const object = this.tagObjects.get(`refs/tags/${t.name}`)?.object;
      return [{ name: t.name, sha: end.sha, ...(object !== undefined ? { object } : {}) }];
    });
    return this.tagIndex;
  }

  private fromPeeled(
    p: Peeled | undefined,
    what: string,
    extra: { tag?: string; tags?: readonly ListedCommitTag[]; object?: TagObject | undefined } = {},
  ): Resolution {
    if (!p) return failure("transient", `${what}: unexpected answer from GitHub`);
    const end = this.follow(p);
    if (end.kind === "commit") {
      const { tag, tags, object } = extra;
      return resolved(end.sha, {
        ...(tag !== undefined ? { tag, ...(tags ? { tags } : {}) } : {}),
        ...(object
          ? { tagObject: object.object, ...(object.taggedAt ? { taggedAt: object.taggedAt } : {}) }
          : {}),
      });
    }
    if (end.kind === "other") return failure("invalid", `${what} points to a ${end.type}, not a commit`);
    return this.peelFailure ?? failure("transient", `${what}: tag chain too deep to peel`);
  }

  /** undefined when the ref does not exist (the caller decides what that means). */
  private fromRef(qualified: string, what: string): Resolution | undefined {
    const r = this.refResults.get(qualified);
    if (!r) return failure("transient", `${what}: no answer`);
    if (r.kind === "missing") return undefined;
    if (r.kind === "failed") return r.failure;
    return this.fromPeeled(r, what, { object: this.tagObjects.get(qualified) });
  }
}
