import type { GraphQLFieldResolver } from "graphql";
import type { Faults } from "./faults";
import type { RateBucket } from "./rate-limit";
import type { SimRepo, World } from "./world";

/** An error GitHub reports with a top-level `type` (NOT_FOUND, FORBIDDEN, …). */
export class TypedError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface GraphqlContext {
  readonly world: World;
  readonly faults: Faults;
  readonly bucket: RateBucket;
  /** Set for one query: its `ref`/`refs` fields fail with this resource-limit type (fault `answer: "fields"`). */
  readonly limitFields?: string;
  /** Web address of the host (for `url` fields); default https://github.com. */
  readonly webBase?: string;
}

const limited = (ctx: GraphqlContext) => {
  if (ctx.limitFields) throw new TypedError(ctx.limitFields, "Resource limits for this query exceeded.");
};

const notFound = (owner: string, name: string) =>
  new TypedError("NOT_FOUND", `Could not resolve to a Repository with the name '${owner}/${name}'.`);

function objectNode(world: World, repo: SimRepo, sha: string): Record<string, unknown> | null {
  const object = repo.objects.get(sha);
  if (!object) return null;
  const common = { oid: object.sha, abbreviatedOid: object.sha.slice(0, 7), id: `GO_${object.sha}`, repo };
  if (object.type === "commit") {
    return {
      __typename: "Commit",
      ...common,
      message: object.message,
      messageHeadline: object.message,
      committedDate: object.date,
      authoredDate: object.date,
      signature: signatureNode(object.signature),
    };
  }
  if (object.type !== "tag") return { __typename: object.type === "tree" ? "Tree" : "Blob", ...common };
  return {
    __typename: "Tag",
    ...common,
    name: object.name,
    message: object.message,
    tagger: { name: "Sim Tagger", email: "tagger@example.com", date: object.date },
    target: () => objectNode(world, repo, object.target),
  };
}

/** `Commit.signature`: null for an unsigned commit, else a GPG signature with GitHub's verdict. */
function signatureNode(signature: "valid" | "invalid" | undefined) {
  if (!signature) return null;
  return {
    __typename: "GpgSignature",
    isValid: signature === "valid",
    state: signature === "valid" ? "VALID" : "BAD_SIG",
    email: "committer@example.com",
    payload: "tree 0",
    signature: "-----BEGIN PGP SIGNATURE-----",
    signer: null,
    wasSignedByGitHub: false,
    keyId: "0000000000000000",
  };
}

const webRepo = (ctx: GraphqlContext, repo: SimRepo) =>
  `${ctx.webBase ?? "https://github.com"}/${repo.owner}/${repo.name}`;

function refNode(world: World, repo: SimRepo, prefix: "refs/heads/" | "refs/tags/", name: string) {
  const sha = (prefix === "refs/heads/" ? repo.branches : repo.tags).get(name);
  if (sha === undefined) return null;
  return {
    __typename: "Ref",
    id: `REF_${repo.id}_${prefix}${name}`,
    name,
    prefix,
    target: () => objectNode(world, repo, sha),
  };
}

const encodeCursor = (name: string) => Buffer.from(`ref:${name}`).toString("base64");

interface RefsArgs {
  refPrefix: string;
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  query?: string | null;
  orderBy?: { field: string; direction: string } | null;
  direction?: string | null;
}

function refsConnection(ctx: GraphqlContext, repo: SimRepo, args: RefsArgs) {
  // size: GitHub's connection rules (first/last, after/before, orderBy) read best as one sequence, as documented.
  const world = ctx.world;
  if (args.first == null && args.last == null) {
    throw new TypedError(
      "MISSING_PAGINATION_BOUNDARIES",
      "You must provide a `first` or `last` value to properly paginate the `refs` connection.",
    );
  }
  for (const [arg, value] of [
    ["first", args.first],
    ["last", args.last],
  ] as const) {
    if (value != null && (value < 0 || value > 100)) {
      throw new TypedError(
        "EXCESSIVE_PAGINATION",
        `Requesting ${value} records on the \`refs\` connection exceeds the \`${arg}\` limit of 100 records.`,
      );
    }
  }
  const prefix = args.refPrefix;
  if (!prefix.endsWith("/")) throw new TypedError("INVALID_ARGUMENT", "refPrefix must end with '/'");
  const source =
    prefix === "refs/tags/"
      ? repo.tags
      : prefix === "refs/heads/"
        ? repo.branches
        : new Map<string, string>();
  let names = [...source.keys()].filter((n) => !args.query || n.includes(args.query));
  const field = args.orderBy?.field ?? "ALPHABETICAL";
  if (field === "TAG_COMMIT_DATE") {
    const date = (n: string) => {
      const commit = world.peel(repo, source.get(n) ?? "");
      const object = commit ? repo.objects.get(commit) : undefined;
      return object?.type === "commit" ? object.date : "";
    };
    names.sort((a, b) => date(a).localeCompare(date(b)) || (a < b ? -1 : 1));
  } else {
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  if ((args.orderBy?.direction ?? args.direction) === "DESC") names.reverse();
  const total = names.length;
  const indexOfCursor = (cursor: string) => {
    const decoded = Buffer.from(cursor, "base64").toString("utf8");
    const i = decoded.startsWith("ref:") ? names.indexOf(decoded.slice(4)) : -1;
    if (i === -1)
      throw new TypedError("INVALID_CURSOR_ARGUMENTS", `\`${cursor}\` does not appear to be a valid cursor.`);
    return i;
  };
  let start = args.after ? indexOfCursor(args.after) + 1 : 0;
  let end = args.before ? indexOfCursor(args.before) : names.length;
  if (args.first != null) end = Math.min(end, start + args.first);
  if (args.last != null) start = Math.max(start, end - args.last);
  const allInRange = names;
  names = allInRange.slice(start, end);
  const nodes: unknown[] = names.map((n) => refNode(world, repo, prefix as "refs/tags/", n));
  if (prefix === "refs/tags/" && names.length > 0) {
    // graphql-js nulls a list item whose value is an Error, with the error at [..., "nodes", index].
    const fullName = `${repo.owner}/${repo.name}`.toLowerCase();
    const fault = ctx.faults.take(
      ["tagNodeError"],
      "graphql",
      "/graphql",
      (f) => f.repository.toLowerCase() === fullName && (f.tag === undefined || names.includes(f.tag)),
    );
    if (fault) {
      const i = fault.tag === undefined ? 0 : names.indexOf(fault.tag);
      const type = fault.type ?? "INTERNAL";
      nodes[i] = new TypedError(type, `simulated ${type} for tag ${names[i]} of ${fullName}`);
    }
  }
  return {
    totalCount: total,
    nodes,
    edges: names.map((n, i) => ({ cursor: encodeCursor(n), node: nodes[i] })),
    pageInfo: {
      hasNextPage: end < allInRange.length,
      hasPreviousPage: start > 0,
      startCursor: names.length ? encodeCursor(names[0] as string) : null,
      endCursor: names.length ? encodeCursor(names[names.length - 1] as string) : null,
    },
  };
}

type Resolvers = Record<
  string,
  Record<string, GraphQLFieldResolver<Record<string, unknown>, GraphqlContext>>
>;

const resolvers: Resolvers = {
  Query: {
    repository: (_src, args, ctx) => {
      const { owner, name, followRenames } = args as { owner: string; name: string; followRenames?: boolean };
      const fullName = `${owner}/${name}`.toLowerCase();
      const fault = ctx.faults.take(
        ["graphqlError"],
        "graphql",
        "/graphql",
        (f) => f.repository.toLowerCase() === fullName,
      );
      if (fault) throw new TypedError(fault.type, fault.message ?? `simulated ${fault.type} for ${fullName}`);
      const repo = ctx.world.findRepo(`${owner}/${name}`, followRenames !== false);
      if (!repo) throw notFound(owner, name);
      return {
        __typename: "Repository",
        repo,
        id: `R_${repo.id}`,
        name: repo.name,
        nameWithOwner: `${repo.owner}/${repo.name}`,
        isArchived: false,
        isPrivate: false,
        url: webRepo(ctx, repo),
      };
    },
    rateLimit: (src) => src.rateLimit as Record<string, unknown>,
  },
  Repository: {
    ref: (src, args, ctx) => {
      limited(ctx);
      const repo = src.repo as SimRepo;
      const qualified = (args as { qualifiedName: string }).qualifiedName;
      if (qualified.startsWith("refs/heads/"))
        return refNode(ctx.world, repo, "refs/heads/", qualified.slice(11));
      if (qualified.startsWith("refs/tags/"))
        return refNode(ctx.world, repo, "refs/tags/", qualified.slice(10));
      return (
        refNode(ctx.world, repo, "refs/heads/", qualified) ??
        refNode(ctx.world, repo, "refs/tags/", qualified)
      );
    },
    refs: (src, args, ctx) => {
      limited(ctx);
      return refsConnection(ctx, src.repo as SimRepo, args as unknown as RefsArgs);
    },
    object: (src, args, ctx) => {
      const repo = src.repo as SimRepo;
      const { expression, oid } = args as { expression?: string | null; oid?: string | null };
      const rev = oid ?? (expression === "HEAD" ? repo.defaultBranch : expression);
      if (!rev) return null;
      const sha = ctx.world.revParse(repo, rev);
      return sha ? objectNode(ctx.world, repo, sha) : null;
    },
    release: (src, args, ctx) => {
      const repo = src.repo as SimRepo;
      const r = repo.releases.get((args as { tagName: string }).tagName);
      if (!r || r.draft) return null;
      return {
        __typename: "Release",
        id: `RE_${r.id}`,
        name: r.name,
        tagName: r.tag,
        description: r.body,
        isPrerelease: r.prerelease,
        isDraft: r.draft,
        isLatest: false,
        publishedAt: r.publishedAt,
        createdAt: r.publishedAt,
        url: `${webRepo(ctx, repo)}/releases/tag/${encodeURIComponent(r.tag)}`,
      };
    },
    defaultBranchRef: (src, _args, ctx) => {
      const repo = src.repo as SimRepo;
      return refNode(ctx.world, repo, "refs/heads/", repo.defaultBranch);
    },
  },
};

export const fieldResolver: GraphQLFieldResolver<Record<string, unknown>, GraphqlContext> = (
  source,
  args,
  ctx,
  info,
) => {
  const custom = resolvers[info.parentType.name]?.[info.fieldName];
  if (custom) return custom(source, args, ctx, info);
  const value = source?.[info.fieldName];
  return typeof value === "function" ? (value as () => unknown)() : value;
};
