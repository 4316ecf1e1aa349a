import { type Resolution, repoKey, type Target } from "@drift/core";
import { classifyError, type Failure, failure, graphqlErrorTypes, resetFromHeaders } from "./errors";
import {
  type BuiltQuery,
  buildRefsQuery,
  type Peeled,
  type RepoSelection,
  readPeeled,
} from "./graphql-query";
import { abortDeferral, budgetDeferral, type HostEnv, HostGate, label, resolved } from "./host";
import { type ListedTag, pickLatest, pickSatisfying } from "./tags";

type RefOutcome =
  | Peeled
  | { readonly kind: "missing" }
  | { readonly kind: "failed"; readonly failure: Failure };

/** Everything asked and learned about one repository during one call. */
class RepoPlan {
  readonly refs = new Set<string>();
  wantsTags = false;
  /** The repository itself failed (missing, forbidden, deferred…): every target of it gets this. */
  failure?: Failure;
  readonly refResults = new Map<string, RefOutcome>();
  readonly tags: ListedTag<Peeled | undefined>[] = [];
  tagCursor: string | null = null;
  tagsDone = false;
  tagsFailure?: Failure;
  /** tag object id → what it points at (answers of follow-up `object(oid:)` queries) */
  readonly peels = new Map<string, Peeled>();
  peelFailure?: Failure;
  /** target key → the tag chosen for tag:latest / semver */
  readonly choices = new Map<string, ListedTag<Peeled | undefined> | undefined>();

  constructor(
    readonly owner: string,
    readonly name: string,
  ) {}

  get label(): string {
    return label({ owner: this.owner, repo: this.name });
  }

  /** Follows answered tag chains as far as they go. */
  follow(p: Peeled): Peeled {
    let current = p;
    for (let i = 0; i < 64 && current.kind === "tag"; i++) {
      const next = this.peels.get(current.oid);
      if (!next) break;
      current = next;
    }
    return current;
  }
}

type Phase = "refs" | "tags" | "peel";

interface WorkItem {
  readonly plan: RepoPlan;
  readonly phase: Phase;
  readonly selection: RepoSelection;
}

interface Call {
  readonly signal?: AbortSignal;
}

interface GraphqlError {
  type?: string;
  message?: string;
  path?: unknown[];
}

const HEAVY_TEXT = /Something went wrong while executing your query|timeout/i;
const RESOURCE_TYPES = new Set(["RESOURCE_LIMITS_EXCEEDED", "MAX_NODE_LIMIT_EXCEEDED"]);
const MAX_TAG_PAGES = 500;
const MAX_PEEL_ROUNDS = 8;

function fail(item: WorkItem, f: Failure): void {
  const plan = item.plan;
  if (item.phase === "refs") plan.failure ??= f;
  else if (item.phase === "tags") plan.tagsFailure ??= f;
  else plan.peelFailure ??= f;
}

/**
 * Resolves GitHub targets with batched GraphQL queries: every repository of a batch is one aliased
 * `repository` field, each ref an alias inside it. The batch size adapts: halved on resource-limit errors and
 * timeouts, grown back after clean successes. One instance per host; its adaptive size, rate budget and
 * rate-limit stop persist across calls.
 */
export class GraphqlBatcher {
  private size: number;
  private streak = 0;
  private clean = 0;
  private ceiling?: number;
  private answered = false;
  private readonly gate = new HostGate();
  /** The endpoint answered 404 (no GraphQL here): the caller falls back to REST. */
  unavailable = false;

  constructor(
    private readonly env: HostEnv,
    private readonly url: string,
  ) {
    this.size = env.settings.repositoriesPerQuery;
  }

  /** Current repositories per query. */
  get batchSize(): number {
    return this.size;
  }

  /** Resolves non-`sha` GitHub targets (distinct keys). Never throws for a target's failure. */
  async resolve(targets: readonly Target[], signal?: AbortSignal): Promise<Map<string, Resolution>> {
    const call: Call = { signal };
    const plans = new Map<string, RepoPlan>();
    const planOf = new Map<string, RepoPlan>();
    for (const t of targets) {
      const key = repoKey(t);
      let plan = plans.get(key);
      if (!plan) {
        plan = new RepoPlan(t.owner, t.repo);
        plans.set(key, plan);
      }
      planOf.set(t.key, plan);
      const ref = t.ref;
      if (ref.type === "tag") plan.refs.add(`refs/tags/${ref.name}`);
      else if (ref.type === "branch") plan.refs.add(`refs/heads/${ref.name}`);
      else if (ref.type === "ref") plan.refs.add(`refs/heads/${ref.name}`).add(`refs/tags/${ref.name}`);
      else if (ref.type === "latest" || ref.type === "semver") plan.wantsTags = true;
    }

    // Round 1: every ref, and the first tag page, of every repository.
    const first: WorkItem[] = [];
    for (const plan of plans.values()) {
      const refs = [...plan.refs];
      const perItem = this.env.settings.refsPerQuery;
      for (let i = 0; i === 0 || i < refs.length; i += perItem) {
        const selection: RepoSelection = {
          owner: plan.owner,
          name: plan.name,
          refs: refs.slice(i, i + perItem),
          ...(i === 0 && plan.wantsTags ? { tags: { after: null } } : {}),
        };
        first.push({ plan, phase: "refs", selection });
      }
    }
    await this.runItems(first, call);

    // Round 2…: further tag pages, all repositories that need one in the same queries.
    for (let page = 1; page < MAX_TAG_PAGES; page++) {
      const more = [...plans.values()].filter(
        (p) => p.wantsTags && !p.tagsDone && !p.failure && !p.tagsFailure,
      );
      if (more.length === 0) break;
      const items = more.map(
        (plan): WorkItem => ({
          plan,
          phase: "tags",
          selection: { owner: plan.owner, name: plan.name, tags: { after: plan.tagCursor } },
        }),
      );
      await this.runItems(items, call);
    }
    for (const t of targets) {
      const plan = planOf.get(t.key);
      if (!plan || plan.failure || plan.tagsFailure || !plan.wantsTags) continue;
      if (!plan.tagsDone)
        plan.tagsFailure = failure("transient", `${plan.label}: more than ${MAX_TAG_PAGES * 100} tags`);
      else if (t.ref.type === "latest") plan.choices.set(t.key, pickLatest(plan.tags));
      else if (t.ref.type === "semver") plan.choices.set(t.key, pickSatisfying(plan.tags, t.ref.range));
    }

    // Tag chains deeper than the inline fragment: follow them with object(oid:) until commits.
    for (let round = 0; round < MAX_PEEL_ROUNDS; round++) {
      const items: WorkItem[] = [];
      for (const plan of plans.values()) {
        if (plan.failure || plan.peelFailure) continue;
        const pending = new Set<string>();
        const visit = (p: Peeled | undefined) => {
          const end = p && plan.follow(p);
          if (end?.kind === "tag") pending.add(end.oid);
        };
        for (const outcome of plan.refResults.values())
          if (outcome.kind !== "missing" && outcome.kind !== "failed") visit(outcome);
        for (const choice of plan.choices.values()) visit(choice?.target);
        if (pending.size > 0)
          items.push({
            plan,
            phase: "peel",
            selection: { owner: plan.owner, name: plan.name, objects: [...pending] },
          });
      }
      if (items.length === 0) break;
      await this.runItems(items, call);
    }

    const results = new Map<string, Resolution>();
    for (const t of targets) {
      const plan = planOf.get(t.key);
      results.set(t.key, plan ? this.outcome(t, plan) : failure("invalid", "unsupported ref"));
    }
    return results;
  }

  /** The resolution of one target from what its repository's plan learned. */
  private outcome(t: Target, plan: RepoPlan): Resolution {
    if (plan.failure) return plan.failure;
    const fromPeeled = (p: Peeled | undefined, what: string, tag?: string): Resolution => {
      if (!p) return failure("transient", `${what}: unexpected answer from GitHub`);
      const end = plan.follow(p);
      if (end.kind === "commit") return resolved(end.sha, tag !== undefined ? { tag } : {});
      if (end.kind === "other") return failure("invalid", `${what} points to a ${end.type}, not a commit`);
      return plan.peelFailure ?? failure("transient", `${what}: tag chain too deep to peel`);
    };
    const fromRef = (qualified: string, what: string): Resolution | undefined => {
      const r = plan.refResults.get(qualified);
      if (!r) return failure("transient", `${what}: no answer`);
      if (r.kind === "missing") return undefined;
      if (r.kind === "failed") return r.failure;
      return fromPeeled(r, what);
    };
    const ref = t.ref;
    switch (ref.type) {
      case "tag":
        return (
          fromRef(`refs/tags/${ref.name}`, `tag ${ref.name} in ${plan.label}`) ??
          failure("not_found", `tag ${ref.name} not found in ${plan.label}`)
        );
      case "branch":
        return (
          fromRef(`refs/heads/${ref.name}`, `branch ${ref.name} in ${plan.label}`) ??
          failure("not_found", `branch ${ref.name} not found in ${plan.label}`)
        );
      case "ref":
        return (
          fromRef(`refs/heads/${ref.name}`, `branch ${ref.name} in ${plan.label}`) ??
          fromRef(`refs/tags/${ref.name}`, `tag ${ref.name} in ${plan.label}`) ??
          failure("not_found", `no branch or tag ${ref.name} in ${plan.label}`)
        );
      case "latest":
      case "semver": {
        if (plan.tagsFailure) return plan.tagsFailure;
        const choice = plan.choices.get(t.key);
        if (!choice) {
          return failure(
            "not_found",
            ref.type === "latest"
              ? `no stable semver tag in ${plan.label}`
              : `no tag of ${plan.label} satisfies ${ref.range}`,
          );
        }
        return fromPeeled(choice.target, `tag ${choice.name} in ${plan.label}`, choice.name);
      }
      case "sha":
        return resolved(ref.sha);
    }
  }

  /** Packs items into queries (≤ batch size repositories, ≤ refsPerQuery refs) and runs them. */
  private async runItems(items: readonly WorkItem[], call: Call, heavySplits = 0): Promise<void> {
    const chunks: WorkItem[][] = [];
    let current: WorkItem[] = [];
    let refs = 0;
    for (const item of items) {
      const weight = (item.selection.refs?.length ?? 0) + (item.selection.objects?.length ?? 0);
      if (
        current.length > 0 &&
        (current.length >= this.size || refs + weight > this.env.settings.refsPerQuery)
      ) {
        chunks.push(current);
        current = [];
        refs = 0;
      }
      current.push(item);
      refs += weight;
    }
    if (current.length > 0) chunks.push(current);
    let rest = chunks;
    // Until the host has told us its budget (and that it accepts our credentials), send one query alone.
    while (rest.length > 0 && (!this.answered || !this.env.budget.known) && !this.unavailable) {
      await this.runChunk(rest[0] as WorkItem[], call, heavySplits);
      rest = rest.slice(1);
      if (this.answered) break;
    }
    await Promise.all(rest.map((chunk) => this.runChunk(chunk, call, heavySplits)));
  }

  private async runChunk(items: WorkItem[], call: Call, heavySplits: number): Promise<void> {
    const failAll = (f: Failure) => {
      for (const item of items) fail(item, f);
    };
    if (call.signal?.aborted) return failAll(abortDeferral());
    const stop = this.gate.check(call);
    if (stop) return failAll(stop);
    if (this.unavailable) return failAll(failure("transient", "GitHub GraphQL endpoint not available"));
    const { budget, client, limiter, log, redact } = this.env;
    if (!budget.tryReserve(1)) return failAll(budgetDeferral(budget.reserve));

    const built = buildRefsQuery(items.map((i) => i.selection));
    const started = Date.now();
    let response: { data: unknown; headers: Record<string, string | undefined> };
    try {
      const answer = await limiter.run(() =>
        client.request({
          method: "POST",
          url: this.url,
          query: built.query,
          variables: built.variables,
          request: { signal: call.signal },
        }),
      );
      response = { data: answer.data, headers: answer.headers as Record<string, string | undefined> };
    } catch (error) {
      const c = classifyError(error, `GraphQL query for ${items.length} repositories`, redact);
      if (c.status === 404 && !this.answered) {
        this.unavailable = true;
        return failAll(failure("transient", "GitHub GraphQL endpoint not found"));
      }
      if (c.hostWide) this.gate.close(c.failure, call);
      if (c.heavy && items.length > 1 && heavySplits < 1) {
        this.shrink(items.length, c.failure.message);
        return this.runItems(items, call, heavySplits + 1);
      }
      log.warn("GraphQL query failed", {
        repositories: items.length,
        kind: c.failure.kind,
        reason: c.failure.message,
      });
      return failAll(c.failure);
    } finally {
      budget.release(1);
    }
    this.answered = true;
    const body = (response.data ?? {}) as { data?: Record<string, unknown> | null; errors?: unknown };
    const errors: GraphqlError[] = Array.isArray(body.errors) ? (body.errors as GraphqlError[]) : [];
    const data = body.data && typeof body.data === "object" ? body.data : undefined;
    const rate = data?.rateLimit as { cost?: number; remaining?: number; resetAt?: string } | undefined;
    if (rate && typeof rate.remaining === "number")
      budget.observe(rate.remaining, rate.resetAt ? new Date(rate.resetAt) : undefined);
    if (rate && typeof rate.cost === "number") this.env.onPoints(rate.cost);
    log.debug("GraphQL query", {
      repositories: items.length,
      ms: Date.now() - started,
      cost: rate?.cost,
      remaining: rate?.remaining,
    });

    if (graphqlErrorTypes(body).some((t) => t === "RATE_LIMITED" || t === "RATE_LIMIT")) {
      const retryAt = resetFromHeaders(response.headers);
      const f = failure(
        "rate_limited",
        `GitHub GraphQL rate limit exhausted until ${retryAt.toISOString()}`,
        retryAt,
      );
      this.gate.close(f, call);
      return failAll(f);
    }
    if (!data) return this.wholeQueryFailed(items, call, heavySplits, errors);
    await this.readAnswer(items, call, heavySplits, built, data, errors);
  }

  /** No data at all: a timeout answer (split once), or a rejected query (bisect to isolate the cause). */
  private async wholeQueryFailed(
    items: WorkItem[],
    call: Call,
    heavySplits: number,
    errors: GraphqlError[],
  ): Promise<void> {
    const said = this.env.redact.text(errors.map((e) => e.message ?? e.type ?? "").join("; ")).slice(0, 300);
    const heavy = HEAVY_TEXT.test(said);
    if (heavy && items.length > 1 && heavySplits < 1) {
      this.shrink(items.length, said);
      return this.runItems(items, call, heavySplits + 1);
    }
    if (!heavy && items.length > 1) {
      const half = Math.ceil(items.length / 2);
      await Promise.all([
        this.runChunk(items.slice(0, half), call, heavySplits),
        this.runChunk(items.slice(half), call, heavySplits),
      ]);
      return;
    }
    const f = heavy
      ? failure("transient", `GitHub could not execute the query: ${said}`)
      : failure("invalid", `GitHub rejected the query: ${said}`);
    this.env.log.warn("GraphQL query failed", {
      repositories: items.length,
      kind: f.kind,
      reason: f.message,
    });
    for (const item of items) fail(item, f);
  }

  /** Reads each repository alias; resource-limited ones are retried in smaller queries. */
  private async readAnswer(
    items: WorkItem[],
    call: Call,
    heavySplits: number,
    built: BuiltQuery,
    data: Record<string, unknown>,
    errors: GraphqlError[],
  ): Promise<void> {
    const resourceLimited = errors.some((e) => RESOURCE_TYPES.has(e.type ?? ""));
    const retry: WorkItem[] = [];
    built.repos.forEach((repo, i) => {
      const item = items[i] as WorkItem;
      const node = data[repo.alias] as Record<string, unknown> | null | undefined;
      const own = errors.filter((e) => Array.isArray(e.path) && e.path[0] === repo.alias);
      const ownText = this.env.redact.text(own.map((e) => e.message ?? e.type).join("; ")).slice(0, 200);
      if (node == null) {
        const types = new Set(own.map((e) => e.type));
        if (types.has("NOT_FOUND"))
          fail(item, failure("not_found", `repository ${item.plan.label} not found`));
        else if (types.has("FORBIDDEN"))
          fail(item, failure("forbidden", `access to ${item.plan.label} denied: ${ownText}`));
        else if (resourceLimited) retry.push(item);
        else
          fail(
            item,
            failure(
              "transient",
              `GitHub returned no data for ${item.plan.label}${ownText ? `: ${ownText}` : ""}`,
            ),
          );
        return;
      }
      this.accept(item, node, repo, ownText);
    });
    if (!resourceLimited && retry.length === 0) return this.grow();
    this.shrink(items.length, "resource limits exceeded");
    if (retry.length === 0) return;
    if (items.length === 1) {
      for (const item of retry)
        fail(item, failure("transient", `resource limits exceeded even for ${item.plan.label} alone`));
      return;
    }
    await this.runItems(retry, call, heavySplits);
  }

  private accept(
    item: WorkItem,
    node: Record<string, unknown>,
    repo: BuiltQuery["repos"][number],
    ownErrors: string,
  ): void {
    const plan = item.plan;
    const unexpected = (what: string) =>
      failure(
        "transient",
        `${what} in ${plan.label}: unexpected answer${ownErrors ? ` (${ownErrors})` : ""}`,
      );
    for (const [qualified, alias] of repo.refAliases) {
      const ref = node[alias] as { target?: unknown } | null | undefined;
      if (ref === null) plan.refResults.set(qualified, { kind: "missing" });
      else
        plan.refResults.set(
          qualified,
          readPeeled(ref?.target) ?? { kind: "failed", failure: unexpected(qualified) },
        );
    }
    for (const [oid, alias] of repo.objectAliases) {
      const peeled = readPeeled(node[alias]);
      if (peeled) plan.peels.set(oid, peeled);
      else plan.peelFailure ??= unexpected(`object ${oid}`);
    }
    if (repo.tagsAlias) {
      const conn = node[repo.tagsAlias] as
        | {
            pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
            nodes?: ({ name?: string; target?: unknown } | null)[];
          }
        | null
        | undefined;
      if (!conn || !Array.isArray(conn.nodes) || !conn.pageInfo) {
        plan.tagsFailure ??= unexpected("tag list");
        return;
      }
      for (const n of conn.nodes)
        if (n && typeof n.name === "string") plan.tags.push({ name: n.name, target: readPeeled(n.target) });
      const next = conn.pageInfo.hasNextPage === true && typeof conn.pageInfo.endCursor === "string";
      plan.tagCursor = next ? (conn.pageInfo.endCursor as string) : null;
      plan.tagsDone = !next;
    }
  }

  /** Halves the batch below the size that just failed, and remembers that size as a ceiling for a while. */
  private shrink(sent: number, reason: string): void {
    const before = this.size;
    this.ceiling = Math.min(this.ceiling ?? Number.POSITIVE_INFINITY, sent);
    this.size = Math.max(1, Math.min(this.size, Math.floor(sent / 2)));
    this.streak = 0;
    this.clean = 0;
    if (this.size !== before)
      this.env.log.info("GraphQL batch size reduced", { from: before, to: this.size, reason });
  }

  /**
   * After 3 clean answers in a row the batch grows (by half, or halfway to the last size that failed); after 20
   * clean answers that ceiling is forgotten (the limit may have been a passing load spike).
   */
  private grow(): void {
    this.streak += 1;
    this.clean += 1;
    if (this.clean >= 20) this.ceiling = undefined;
    const max = Math.min(
      this.env.settings.repositoriesPerQuery,
      this.ceiling !== undefined ? this.ceiling - 1 : Number.POSITIVE_INFINITY,
    );
    if (this.streak >= 3 && this.size < max) {
      // Below a known ceiling, grow halfway to it (a binary search for the largest size that passes).
      const step =
        this.ceiling !== undefined ? Math.floor((this.size + this.ceiling) / 2) : Math.ceil(this.size * 1.5);
      this.size = Math.max(this.size, Math.min(max, step));
      this.streak = 0;
    }
  }
}
