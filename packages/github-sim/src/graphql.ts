import { schema as githubSchema } from "@octokit/graphql-schema";
import {
  buildSchema,
  type DocumentNode,
  execute,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  Kind,
  parse,
  type SelectionSetNode,
  validate,
} from "graphql";
import type { Faults } from "./faults";
import type { RateBucket } from "./rate-limit";
import type { SimRepo, World } from "./world";

let cachedSchema: GraphQLSchema | undefined;

/**
 * GitHub's published GraphQL schema (`@octokit/graphql-schema`), built once per process from its SDL.
 * The published SDL repeats a few fields, so it is built with `assumeValidSDL` (the later definition wins).
 */
export function githubGraphqlSchema(): GraphQLSchema {
  cachedSchema ??= buildSchema(githubSchema.idl, { assumeValidSDL: true });
  return cachedSchema;
}

/** An error GitHub reports with a top-level `type` (NOT_FOUND, FORBIDDEN, …). */
class TypedError extends Error {
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
}

export interface GraphqlOutcome {
  readonly status: number;
  readonly body: unknown;
  /** Points charged (0 when the query was rejected before execution). */
  readonly cost: number;
  readonly repositoryFields: number;
}

interface QueryShape {
  /** Aliases (or names) of the top-level `repository` fields. */
  readonly repositoryAliases: string[];
  readonly refsFields: number;
}

/** Counts the fields that make a query heavy, expanding fragments (GitHub computes cost before executing). */
function shapeOf(doc: DocumentNode): QueryShape {
  const fragments = new Map<string, SelectionSetNode>();
  for (const def of doc.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def.selectionSet);
  }
  const repositoryAliases: string[] = [];
  let refsFields = 0;
  const walk = (set: SelectionSetNode, depth: number, seen: Set<string>): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (depth === 0 && sel.name.value === "repository")
          repositoryAliases.push(sel.alias?.value ?? "repository");
        if (sel.name.value === "refs") refsFields += 1;
        if (sel.selectionSet) walk(sel.selectionSet, depth + 1, seen);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, depth, seen);
      } else {
        const frag = fragments.get(sel.name.value);
        if (frag && !seen.has(sel.name.value)) walk(frag, depth, new Set([...seen, sel.name.value]));
      }
    }
  };
  for (const def of doc.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) walk(def.selectionSet, 0, new Set());
  }
  return { repositoryAliases, refsFields };
}

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
    };
  }
  return {
    __typename: "Tag",
    ...common,
    name: object.name,
    message: object.message,
    target: () => objectNode(world, repo, object.target),
  };
}

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

function refsConnection(world: World, repo: SimRepo, args: RefsArgs) {
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
  const nodes = names.map((n) => refNode(world, repo, prefix as "refs/tags/", n));
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
      };
    },
    rateLimit: (src) => src.rateLimit as Record<string, unknown>,
  },
  Repository: {
    ref: (src, args, ctx) => {
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
    refs: (src, args, ctx) => refsConnection(ctx.world, src.repo as SimRepo, args as unknown as RefsArgs),
    object: (src, args, ctx) => {
      const repo = src.repo as SimRepo;
      const { expression, oid } = args as { expression?: string | null; oid?: string | null };
      const rev = oid ?? (expression === "HEAD" ? repo.defaultBranch : expression);
      if (!rev) return null;
      const sha = ctx.world.revParse(repo, rev);
      return sha ? objectNode(ctx.world, repo, sha) : null;
    },
    defaultBranchRef: (src, _args, ctx) => {
      const repo = src.repo as SimRepo;
      return refNode(ctx.world, repo, "refs/heads/", repo.defaultBranch);
    },
  },
};

const fieldResolver: GraphQLFieldResolver<Record<string, unknown>, GraphqlContext> = (
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

interface GithubError {
  type?: string;
  message: string;
  path?: readonly (string | number)[];
  locations?: readonly { line: number; column: number }[];
}

const TIMEOUT_MESSAGE =
  "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `SIM0:0000:1` when reporting this issue.";

/**
 * Runs one GraphQL request body against the world: parse → validate against GitHub's schema → cost and
 * resource checks → execute. Answers as GitHub does: HTTP 200 with `errors` for invalid queries and partial
 * failures, `type: NOT_FOUND` plus a null alias for a missing repository.
 */
export function executeGraphql(ctx: GraphqlContext, body: unknown): GraphqlOutcome {
  const request = (body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
  const none = { cost: 0, repositoryFields: 0 };
  if (typeof request.query !== "string" || request.query.trim() === "") {
    return {
      status: 200,
      body: { errors: [{ message: "A query attribute must be specified and must be a string." }] },
      ...none,
    };
  }
  let doc: DocumentNode;
  try {
    doc = parse(request.query);
  } catch (error) {
    const e = error as { message: string; locations?: GithubError["locations"] };
    return { status: 200, body: { errors: [{ message: e.message, locations: e.locations }] }, ...none };
  }
  const schema = githubGraphqlSchema();
  const invalid = validate(schema, doc);
  if (invalid.length > 0) {
    return {
      status: 200,
      body: { errors: invalid.map((e) => ({ message: e.message, locations: e.locations })) },
      ...none,
    };
  }
  const shape = shapeOf(doc);
  const repositoryFields = shape.repositoryAliases.length;
  const tooBig = ctx.faults.take(
    ["resourceLimit"],
    "graphql",
    "/graphql",
    (f) => repositoryFields > f.maxRepositories,
  );
  if (tooBig) {
    const data = Object.fromEntries(shape.repositoryAliases.map((a) => [a, null]));
    const errors = [
      {
        type: "RESOURCE_LIMITS_EXCEEDED",
        path: [shape.repositoryAliases[0]],
        message: "Resource limits for this query exceeded.",
      },
    ];
    return { status: 200, body: { data, errors }, cost: 0, repositoryFields };
  }
  if (ctx.faults.take(["queryTimeout"], "graphql", "/graphql")) {
    return {
      status: 200,
      body: { data: null, errors: [{ message: TIMEOUT_MESSAGE }] },
      cost: 0,
      repositoryFields,
    };
  }
  // GitHub: a query's cost is the number of connection page requests / 100, at least 1.
  const cost = Math.max(1, Math.round(shape.refsFields / 100));
  if (!ctx.bucket.take(cost)) {
    const message = "API rate limit already exceeded for user ID 1.";
    return {
      status: 200,
      body: { errors: [{ type: "RATE_LIMITED", code: "graphql_rate_limit", message }] },
      cost: 0,
      repositoryFields,
    };
  }
  const rateLimit = {
    cost,
    limit: ctx.bucket.limit,
    remaining: ctx.bucket.remaining,
    used: ctx.bucket.used,
    resetAt: ctx.bucket.resetAt.toISOString(),
    nodeCount: shape.refsFields * 100,
  };
  const result = execute({
    schema,
    document: doc,
    rootValue: { rateLimit },
    contextValue: ctx,
    variableValues: (request.variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: typeof request.operationName === "string" ? request.operationName : undefined,
    fieldResolver,
  });
  if (result instanceof Promise) throw new Error("simulator resolvers must be synchronous");
  const errors: GithubError[] | undefined = result.errors?.map((e) => {
    const typed = e.originalError instanceof TypedError ? e.originalError.type : undefined;
    return { ...(typed ? { type: typed } : {}), path: e.path, locations: e.locations, message: e.message };
  });
  const out: Record<string, unknown> = {};
  if ("data" in result) out.data = result.data ?? null;
  if (errors?.length) out.errors = errors;
  return { status: 200, body: out, cost, repositoryFields };
}
