import type { CommitReview, Fetched, ReleaseInfo, Signature } from "@drift/core";

/**
 * The GraphQL document of review packets on github.com / GHES: one aliased `repository` field per repository
 * (r0, r1, …), and under it one `object(oid:)` per new commit (date, signature) and one `release(tagName:)` per
 * new tag. Owner, name, SHAs and tag names travel as variables, never spliced into the document.
 */

export interface PacketSelection {
  readonly owner: string;
  readonly name: string;
  readonly commits: readonly string[];
  readonly releases: readonly string[];
}

export interface BuiltPacketRepo {
  readonly alias: string;
  /** SHA → alias */
  readonly commitAliases: ReadonlyMap<string, string>;
  /** tag → alias */
  readonly releaseAliases: ReadonlyMap<string, string>;
}

export interface BuiltPacketQuery {
  readonly query: string;
  readonly variables: Record<string, string>;
  readonly repos: readonly BuiltPacketRepo[];
}

export const NOTES_MAX = 2000;

/** The document and variables for a batch of repositories (plus `rateLimit`, which costs nothing). */
export function buildPacketQuery(selections: readonly PacketSelection[]): BuiltPacketQuery {
  const defs: string[] = [];
  const body: string[] = ["rateLimit { cost remaining resetAt limit }"];
  const variables: Record<string, string> = {};
  const repos: BuiltPacketRepo[] = [];
  let n = 0;
  selections.forEach((sel, i) => {
    defs.push(`$o${i}: String!`, `$n${i}: String!`);
    variables[`o${i}`] = sel.owner;
    variables[`n${i}`] = sel.name;
    const fields = ["id"];
    const commitAliases = new Map<string, string>();
    for (const sha of new Set(sel.commits)) {
      const a = `c${n++}`;
      commitAliases.set(sha, a);
      defs.push(`$${a}: GitObjectID!`);
      variables[a] = sha;
      fields.push(`${a}: object(oid: $${a}) { ... on Commit { committedDate signature { isValid state } } }`);
    }
    const releaseAliases = new Map<string, string>();
    for (const tag of new Set(sel.releases)) {
      const a = `t${n++}`;
      releaseAliases.set(tag, a);
      defs.push(`$${a}: String!`);
      variables[a] = tag;
      fields.push(
        `${a}: release(tagName: $${a}) { tagName name url publishedAt isPrerelease isDraft description }`,
      );
    }
    body.push(`r${i}: repository(owner: $o${i}, name: $n${i}) { ${fields.join(" ")} }`);
    repos.push({ alias: `r${i}`, commitAliases, releaseAliases });
  });
  return { query: `query ReviewPackets(${defs.join(", ")}) {\n  ${body.join("\n  ")}\n}`, variables, repos };
}

const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Release notes as plain text, bounded (they are shown as text, never as HTML). */
export const notesOf = (v: unknown): string | null => {
  const t = text(v);
  return t && t.trim() !== "" ? t.slice(0, NOTES_MAX) : null;
};

/** A GraphQL `Release` (or null: the tag has no published release). */
export function readRelease(node: unknown, tag: string): ReleaseInfo | null {
  const r = node as Record<string, unknown> | null | undefined;
  if (!r || r.isDraft === true) return null;
  return {
    tag: text(r.tagName) ?? tag,
    name: text(r.name),
    url: text(r.url),
    published_at: text(r.publishedAt),
    prerelease: r.isPrerelease === true,
    notes: notesOf(r.description),
    // Not in GitHub's GraphQL schema: filled in from REST (release-immutable.ts).
    immutable: null,
  };
}

/** `Commit.signature`: null means the commit carries none. */
export function readSignature(node: unknown): Signature | null {
  if (node === null) return "unsigned";
  const s = node as { isValid?: unknown } | undefined;
  if (typeof s?.isValid !== "boolean") return null;
  return s.isValid ? "valid" : "invalid";
}

/** One repository's answer: a packet per new commit (release per tag), or a failure for what went wrong. */
export function readPacketRepo(
  repo: BuiltPacketRepo,
  node: Record<string, unknown> | null | undefined,
  fieldErrors: ReadonlyMap<string, string>,
  releaseTagOf: (sha: string) => string | null,
  repoError: string | undefined,
  repoUrl: string,
): Map<string, Fetched<CommitReview>> {
  const out = new Map<string, Fetched<CommitReview>>();
  for (const [sha, alias] of repo.commitAliases) {
    if (!node) {
      out.set(sha, { ok: false, error: repoError ?? "repository not answered" });
      continue;
    }
    const commit = node[alias] as { committedDate?: unknown; signature?: unknown } | null | undefined;
    const tag = releaseTagOf(sha);
    const releaseAlias = tag === null ? undefined : repo.releaseAliases.get(tag);
    const failed = fieldErrors.get(alias) ?? (releaseAlias ? fieldErrors.get(releaseAlias) : undefined);
    if (failed || typeof commit?.committedDate !== "string") {
      out.set(sha, { ok: false, error: failed ?? `commit ${sha} not answered` });
      continue;
    }
    out.set(sha, {
      ok: true,
      value: {
        repoUrl,
        committedAt: commit.committedDate,
        signature: readSignature(commit.signature),
        release: releaseAlias && tag ? readRelease(node[releaseAlias], tag) : null,
      },
    });
  }
  return out;
}
