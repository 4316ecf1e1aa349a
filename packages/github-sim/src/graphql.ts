import { schema as githubSchema } from "@octokit/graphql-schema";
import {
  buildSchema,
  type DocumentNode,
  execute,
  type GraphQLSchema,
  Kind,
  parse,
  type SelectionSetNode,
  validate,
} from "graphql";
import { fieldResolver, type GraphqlContext, TypedError } from "./graphql-resolvers";

let cachedSchema: GraphQLSchema | undefined;

/**
 * GitHub's published GraphQL schema (`@octokit/graphql-schema`), built once per process from its SDL.
 * The published SDL repeats a few fields, so it is built with `assumeValidSDL` (the later definition wins).
 */
export function githubGraphqlSchema(): GraphQLSchema {
  cachedSchema ??= buildSchema(githubSchema.idl, { assumeValidSDL: true });
  return cachedSchema;
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

type Checked = { doc: DocumentNode; shape: QueryShape } | { errors: GithubError[] };

/** Checked documents by query text: a sweep sends the same document shapes again and again. */
const checkedDocuments = new Map<string, Checked>();
const CHECKED_DOCUMENTS_KEPT = 256;

/**
 * Parses and validates a document against GitHub's schema, once per distinct text: validation depends on the
 * text alone (variables are checked at execution), and it is the simulator's heaviest step (tens of ms for a
 * 100-repository query), which would otherwise serialise concurrent requests on the benchmark's CPU.
 */
function checkDocument(query: string): Checked {
  const hit = checkedDocuments.get(query);
  if (hit) return hit;
  let checked: Checked;
  try {
    const doc = parse(query);
    const invalid = validate(githubGraphqlSchema(), doc);
    checked = invalid.length
      ? { errors: invalid.map((e) => ({ message: e.message, locations: e.locations })) }
      : { doc, shape: shapeOf(doc) };
  } catch (error) {
    const e = error as { message: string; locations?: GithubError["locations"] };
    checked = { errors: [{ message: e.message, locations: e.locations }] };
  }
  if (checkedDocuments.size >= CHECKED_DOCUMENTS_KEPT) checkedDocuments.clear();
  checkedDocuments.set(query, checked);
  return checked;
}

/** Parses and validates a request body's document ahead of execution (its check is kept); ignores anything else. */
export function precheckGraphql(body: string): void {
  try {
    const query = (JSON.parse(body) as { query?: unknown } | null)?.query;
    if (typeof query === "string" && query.trim() !== "") checkDocument(query);
  } catch {
    // Not JSON: the request itself answers that.
  }
}

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
  // size: the steps of one GraphQL request (parse, validate, cost, limits, execute) in the order GitHub applies them.
  const request = (body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
  const none = { cost: 0, repositoryFields: 0 };
  if (typeof request.query !== "string" || request.query.trim() === "") {
    return {
      status: 200,
      body: { errors: [{ message: "A query attribute must be specified and must be a string." }] },
      ...none,
    };
  }
  const checked = checkDocument(request.query);
  if ("errors" in checked) return { status: 200, body: { errors: checked.errors }, ...none };
  const { doc, shape } = checked;
  const schema = githubGraphqlSchema();
  const repositoryFields = shape.repositoryAliases.length;
  const tooBig = ctx.faults.take(
    ["resourceLimit"],
    "graphql",
    "/graphql",
    (f) => repositoryFields > f.maxRepositories,
  );
  const limitType = tooBig?.type ?? "RESOURCE_LIMITS_EXCEEDED";
  if (tooBig && tooBig.answer === "noData") {
    const errors = [{ type: limitType, message: "Resource limits for this query exceeded." }];
    return { status: 200, body: { data: null, errors }, cost: 0, repositoryFields };
  }
  if (tooBig && tooBig.answer !== "fields") {
    const data = Object.fromEntries(shape.repositoryAliases.map((a) => [a, null]));
    const errors = [
      {
        type: limitType,
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
    contextValue: tooBig ? { ...ctx, limitFields: limitType } : ctx,
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
