/**
 * Builds the GraphQL documents the resolver sends to GitHub. Every repository of a batch is ONE `repository`
 * field (aliased r0, r1, …); each ref it needs is one aliased `ref(qualifiedName:)` inside it; tag lists are a
 * `refs(refPrefix: "refs/tags/")` page. Owner, name, ref names and cursors travel as variables, never spliced
 * into the document, so no name can change a query's meaning.
 */

/** refs(first:) page size: GitHub's maximum. */
export const TAG_PAGE_SIZE = 100;

/** Levels of tag objects peeled inline; a deeper chain is followed with `object(oid:)` in a further query. */
export const PEEL_DEPTH = 4;

/** What to ask about one repository in one query. */
export interface RepoSelection {
  readonly owner: string;
  readonly name: string;
  /** Fully qualified ref names (refs/heads/X, refs/tags/X). */
  readonly refs?: readonly string[];
  /** One page of the tag list (after: null for the first page). */
  readonly tags?: { readonly after: string | null };
  /** Tag object ids whose chain must be followed further. */
  readonly objects?: readonly string[];
}

export interface BuiltRepo {
  readonly alias: string;
  /** qualified ref name → alias */
  readonly refAliases: ReadonlyMap<string, string>;
  /** object id → alias */
  readonly objectAliases: ReadonlyMap<string, string>;
  /** alias of the tag page, when asked */
  readonly tagsAlias?: string;
}

export interface BuiltQuery {
  readonly query: string;
  readonly variables: Record<string, string>;
  readonly repos: readonly BuiltRepo[];
}

/**
 * `fragment Peel`: an object's type and id, and for tags their target, PEEL_DEPTH levels deep. The outer tag's
 * tagger date comes along (the release age of a tag without a release; no field with a cost of its own).
 */
export function peelFragment(depth = PEEL_DEPTH): string {
  let inner = "__typename oid";
  for (let i = 0; i < depth; i++) {
    const tagger = i === depth - 1 ? "tagger { date } " : "";
    inner = `__typename oid ... on Tag { ${tagger}target { ${inner} } }`;
  }
  return `fragment Peel on GitObject { ${inner} }`;
}

/** The document and variables for a batch of repository selections (plus `rateLimit`, which costs nothing). */
export function buildRefsQuery(selections: readonly RepoSelection[]): BuiltQuery {
  const defs: string[] = [];
  const body: string[] = ["rateLimit { cost remaining resetAt limit }"];
  const variables: Record<string, string> = {};
  const repos: BuiltRepo[] = [];
  let refIndex = 0;
  let usesPeel = false;
  selections.forEach((sel, i) => {
    const alias = `r${i}`;
    defs.push(`$o${i}: String!`, `$n${i}: String!`);
    variables[`o${i}`] = sel.owner;
    variables[`n${i}`] = sel.name;
    const fields: string[] = [];
    const refAliases = new Map<string, string>();
    for (const qualified of new Set(sel.refs ?? [])) {
      const a = `q${refIndex++}`;
      refAliases.set(qualified, a);
      defs.push(`$${a}: String!`);
      variables[a] = qualified;
      fields.push(`${a}: ref(qualifiedName: $${a}) { target { ...Peel } }`);
    }
    const objectAliases = new Map<string, string>();
    for (const oid of new Set(sel.objects ?? [])) {
      const a = `x${refIndex++}`;
      objectAliases.set(oid, a);
      defs.push(`$${a}: GitObjectID!`);
      variables[a] = oid;
      fields.push(`${a}: object(oid: $${a}) { ...Peel }`);
    }
    let tagsAlias: string | undefined;
    if (sel.tags) {
      tagsAlias = "tags";
      let after = "";
      if (sel.tags.after !== null) {
        defs.push(`$c${i}: String!`);
        variables[`c${i}`] = sel.tags.after;
        after = `, after: $c${i}`;
      }
      fields.push(
        `tags: refs(refPrefix: "refs/tags/", first: ${TAG_PAGE_SIZE}${after}) { pageInfo { hasNextPage endCursor } nodes { name target { ...Peel } } }`,
      );
    }
    usesPeel ||= fields.length > 0;
    if (fields.length === 0) fields.push("id");
    body.push(`${alias}: repository(owner: $o${i}, name: $n${i}) { ${fields.join(" ")} }`);
    repos.push({ alias, refAliases, objectAliases, ...(tagsAlias ? { tagsAlias } : {}) });
  });
  const head = defs.length ? `query ResolveRefs(${defs.join(", ")})` : "query ResolveRefs";
  const query = `${head} {\n  ${body.join("\n  ")}\n}${usesPeel ? `\n${peelFragment()}` : ""}`;
  return { query, variables, repos };
}

/** Where an object (as selected by `...Peel`) leads. */
export type Peeled =
  | { readonly kind: "commit"; readonly sha: string }
  /** Still a tag at the depth the query reached: follow `oid` further. */
  | { readonly kind: "tag"; readonly oid: string }
  /** A tag of a tree or blob: not a commit. */
  | { readonly kind: "other"; readonly type: string; readonly oid: string };

/** Reads a `...Peel` selection; undefined when the answer has an unexpected shape. */
export function readPeeled(node: unknown): Peeled | undefined {
  let current = node as { __typename?: unknown; oid?: unknown; target?: unknown } | null | undefined;
  for (let i = 0; i <= PEEL_DEPTH + 1 && current; i++) {
    const type = current.__typename;
    const oid = typeof current.oid === "string" ? current.oid.toLowerCase() : undefined;
    if (!oid || typeof type !== "string") return undefined;
    if (type === "Commit") return { kind: "commit", sha: oid };
    if (type !== "Tag") return { kind: "other", type, oid };
    if (!current.target) return { kind: "tag", oid };
    current = current.target as typeof current;
  }
  return undefined;
}

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;

/** What a ref names directly: an annotated tag object (its id and tagger date) or, for a lightweight tag, none. */
export interface TagObject {
  /** The tag object's id; null: a lightweight tag (the ref names the commit itself). */
  readonly object: string | null;
  readonly taggedAt?: string;
}

/** Reads the outer object of a `...Peel` selection as a tag's object; undefined when it is neither. */
export function readTagObject(node: unknown): TagObject | undefined {
  const n = node as { __typename?: unknown; oid?: unknown; tagger?: { date?: unknown } | null } | null;
  if (n?.__typename === "Commit") return { object: null };
  if (n?.__typename !== "Tag" || typeof n.oid !== "string" || !OBJECT_ID.test(n.oid)) return undefined;
  const date = n.tagger?.date;
  return { object: n.oid.toLowerCase(), ...(typeof date === "string" ? { taggedAt: date } : {}) };
}
