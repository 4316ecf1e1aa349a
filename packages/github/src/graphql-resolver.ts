import { type Resolution, repoKey, type Target } from "@drift/core";
import { AdaptiveBatchSize } from "./batch-size";
import {
  type Classified,
  classifyError,
  type Failure,
  failure,
  graphqlErrorTypes,
  resetFromHeaders,
} from "./errors";
import { type GraphqlError, type Phase, RepoPlan } from "./graphql-plan";
import { type BuiltQuery, buildRefsQuery, type RepoSelection, TAG_PAGE_SIZE } from "./graphql-query";
import { abortDeferral, budgetDeferral, type HostEnv, HostGate } from "./host";

interface WorkItem {
  readonly plan: RepoPlan;
  readonly phase: Phase;
  readonly selection: RepoSelection;
}

interface Call {
  readonly signal?: AbortSignal;
  /** Heavy failures since the last answer: past a few, the host is failing, whatever the size; stop splitting. */
  heavyInARow: number;
}

/** A GraphQL answer, read. */
interface Answer {
  readonly data?: Record<string, unknown>;
  readonly errors: GraphqlError[];
  /** Neither `data` nor an `errors` array (an HTML page from a proxy, an empty body): no GraphQL answer. */
  readonly malformed?: boolean;
  readonly rate?: { cost?: number; remaining?: number; resetAt?: string };
  readonly rateLimited?: Failure;
}

/** What one attempt to send a query came to. */
type Sent = { readonly skip: Failure } | { readonly error: Classified } | Answer;

const HEAVY_TEXT =
  /Something went wrong while executing your query|couldn't respond to your request in time|timeout/i;
const RESOURCE_TYPES = new Set(["RESOURCE_LIMITS_EXCEEDED", "MAX_NODE_LIMIT_EXCEEDED"]);
const MAX_TAG_PAGES = 500;
const MAX_PEEL_ROUNDS = 8;
/** Halvings of one batch on heavy failures (100 → 50 → 25 → 12). */
const MAX_HEAVY_SPLITS = 3;

function fail(item: WorkItem, f: Failure): void {
  item.plan.fail(item.phase, f);
}

const isResourceLimit = (e: GraphqlError) => RESOURCE_TYPES.has(e.type ?? "");

/** A plain server error (500, 503, a network error): worth repeating as is, unlike a heavy one. */
const retryable = (c: Classified) =>
  !c.heavy && !c.hostWide && c.failure.kind === "transient" && c.status !== undefined && c.status >= 500;

/** Waits `ms`, or less when the caller's signal aborts (the next send then defers). */
const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

/**
 * Resolves GitHub targets with batched GraphQL queries: every repository of a batch is one aliased
 * `repository` field, each ref an alias inside it. The batch size adapts: halved on resource-limit errors and
 * timeouts, grown back after clean full-size successes. Heavy failures (GitHub's timeout answer, 502/504, our
 * own timeout) are never repeated at the same size: the batch is split at once (GitHub counts timeouts against
 * the rate limit). Plain 5xx answers are repeated, by this class rather than the retry plugin (which cannot
 * tell the two apart). One instance per host; its adaptive size, rate budget and rate-limit stop persist.
 */
export class GraphqlBatcher {
  private readonly size: AdaptiveBatchSize;
  private answered = false;
  private readonly gate = new HostGate();
  /** The endpoint answered 404 (no GraphQL here): the caller falls back to REST. */
  unavailable = false;

  constructor(
    private readonly env: HostEnv,
    private readonly url: string,
  ) {
    this.size = new AdaptiveBatchSize(env.settings.repositoriesPerQuery, env.log);
  }

  /** Current repositories per query. */
  get batchSize(): number {
    return this.size.value;
  }

  /** Resolves non-`sha` GitHub targets (distinct keys). Never throws for a target's failure. */
  async resolve(targets: readonly Target[], signal?: AbortSignal): Promise<Map<string, Resolution>> {
    const call: Call = { signal, heavyInARow: 0 };
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
      plan.want(t.ref);
    }

    // Round 1: every ref, and the first tag page, of every repository.
    const first = [...plans.values()].flatMap((plan) =>
      plan
        .firstSelections(this.env.settings.refsPerQuery)
        .map((selection): WorkItem => ({ plan, phase: "refs", selection })),
    );
    await this.runItems(first, call);

    // Round 2…: further tag pages, all repositories that need one in the same queries.
    for (let page = 1; page < MAX_TAG_PAGES; page++) {
      const more = [...plans.values()].filter((p) => p.needsTagPage);
      if (more.length === 0) break;
      const tagsAfter = (plan: RepoPlan): RepoSelection => ({
        owner: plan.owner,
        name: plan.name,
        tags: { after: plan.tagCursor },
      });
      await this.runItems(
        more.map((plan): WorkItem => ({ plan, phase: "tags", selection: tagsAfter(plan) })),
        call,
      );
    }
    for (const t of targets) planOf.get(t.key)?.choose(t, MAX_TAG_PAGES * TAG_PAGE_SIZE);

    // Tag chains deeper than the inline fragment: follow them with object(oid:) until commits.
    for (let round = 0; round < MAX_PEEL_ROUNDS; round++) {
      const items: WorkItem[] = [];
      for (const plan of plans.values()) {
        const objects = plan.pendingPeels();
        if (objects.length)
          items.push({ plan, phase: "peel", selection: { owner: plan.owner, name: plan.name, objects } });
      }
      if (items.length === 0) break;
      await this.runItems(items, call);
    }

    const results = new Map<string, Resolution>();
    for (const t of targets)
      results.set(t.key, planOf.get(t.key)?.outcome(t) ?? failure("invalid", "unsupported ref"));
    return results;
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
        (current.length >= this.size.value || refs + weight > this.env.settings.refsPerQuery)
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
    const { log } = this.env;
    const built = buildRefsQuery(items.map((i) => i.selection));
    const started = Date.now();
    const sent = await this.sendRetrying(built, items.length, call);
    if ("skip" in sent) return failAll(sent.skip);
    if ("error" in sent) {
      const c = sent.error;
      if (c.status === 404 && !this.answered) {
        this.unavailable = true;
        return failAll(failure("transient", "GitHub GraphQL endpoint not found"));
      }
      if (c.heavy) return this.heavyFailure(items, call, heavySplits, c.failure);
      log.warn("GraphQL query failed", {
        repositories: items.length,
        kind: c.failure.kind,
        reason: c.failure.message,
      });
      return failAll(c.failure);
    }
    const { data, errors, rate } = sent;
    log.debug("GraphQL query", {
      repositories: items.length,
      ms: Date.now() - started,
      cost: rate?.cost,
      remaining: rate?.remaining,
    });
    if (sent.rateLimited) return failAll(sent.rateLimited);
    if (sent.malformed) {
      // Not GraphQL at all: nothing says the query was wrong or too big, so neither bisect nor shrink.
      log.warn("GraphQL answer without data or errors", { repositories: items.length });
      return failAll(failure("transient", "GitHub GraphQL answered without data or errors (a proxy page?)"));
    }
    if (!data) return this.wholeQueryFailed(items, call, heavySplits, errors);
    call.heavyInARow = 0;
    await this.readAnswer(items, call, heavySplits, built, data, errors);
  }

  /** {@link send}, repeating plain 5xx answers (not heavy ones) up to `retries` times with quadratic back-off. */
  private async sendRetrying(built: BuiltQuery, repositories: number, call: Call): Promise<Sent> {
    const { retries, retryBaseDelayMs } = this.env.settings;
    for (let attempt = 0; ; attempt++) {
      const sent = await this.send(built, repositories, call);
      if (!("error" in sent) || attempt >= retries || !retryable(sent.error)) return sent;
      await pause(retryBaseDelayMs * (attempt + 1) ** 2, call.signal);
    }
  }

  /**
   * A timeout, 502/504 or GitHub's "Something went wrong": the query may be too heavy. Split it at once
   * (bounded), never repeat it at the same size; a single repository, or a host failing at every size, fails.
   */
  private heavyFailure(items: WorkItem[], call: Call, heavySplits: number, f: Failure): Promise<void> | void {
    call.heavyInARow += 1;
    if (call.heavyInARow >= 2 * this.env.settings.maxConcurrencyPerHost) {
      // Failing at every size with no answer in between: the host is in trouble, not the query. Nothing more is
      // sent in this call (a hung host would otherwise cost a timeout per split).
      this.gate.close(f, call);
    } else if (items.length > 1 && heavySplits < MAX_HEAVY_SPLITS) {
      this.size.shrink(items.length, f.message);
      return this.runItems(items, call, heavySplits + 1);
    }
    this.env.log.warn("GraphQL query failed", {
      repositories: items.length,
      kind: f.kind,
      reason: f.message,
    });
    for (const item of items) fail(item, f);
  }

  /**
   * Sends one query inside the host's concurrency slot. The gate, the budget and the answer's rate-limit data
   * are checked and recorded inside the slot, so a query waiting for it never goes out after the host said stop.
   */
  private send(built: BuiltQuery, repositories: number, call: Call): Promise<Sent> {
    const { budget, client, limiter, redact } = this.env;
    return limiter.run(async (): Promise<Sent> => {
      if (call.signal?.aborted) return { skip: abortDeferral() };
      const stop = this.gate.check(call);
      if (stop) return { skip: stop };
      if (this.unavailable) return { skip: failure("transient", "GitHub GraphQL endpoint not available") };
      if (!budget.tryReserve(1)) return { skip: budgetDeferral(budget.reserve) };
      try {
        const answer = await client.request({
          method: "POST",
          url: this.url,
          query: built.query,
          variables: built.variables,
          // No plugin retries: heavy failures are split by the batcher, plain 5xx repeated by sendRetrying.
          request: { signal: call.signal, retries: 0 },
        });
        this.answered = true;
        const raw: unknown = answer.data;
        const body = (raw && typeof raw === "object" ? raw : {}) as {
          data?: Record<string, unknown> | null;
          errors?: unknown;
        };
        const errors: GraphqlError[] = Array.isArray(body.errors) ? (body.errors as GraphqlError[]) : [];
        const data = body.data && typeof body.data === "object" ? body.data : undefined;
        const malformed = !data && !Array.isArray(body.errors);
        const rate = data?.rateLimit as Answer["rate"];
        if (typeof rate?.remaining === "number")
          budget.observe(rate.remaining, rate.resetAt ? new Date(rate.resetAt) : undefined);
        if (typeof rate?.cost === "number") this.env.onPoints(rate.cost);
        let rateLimited: Failure | undefined;
        if (graphqlErrorTypes(body).some((t) => t === "RATE_LIMITED" || t === "RATE_LIMIT")) {
          const retryAt = resetFromHeaders(answer.headers as Record<string, string | undefined>);
          rateLimited = failure(
            "rate_limited",
            `GitHub GraphQL rate limit exhausted until ${retryAt.toISOString()}`,
            retryAt,
          );
          this.gate.close(rateLimited, call);
        }
        return { data, errors, rate, rateLimited, malformed };
      } catch (error) {
        const c = classifyError(error, `GraphQL query for ${repositories} repositories`, redact);
        if (c.hostWide) this.gate.close(c.failure, call);
        return { error: c };
      } finally {
        budget.release(1);
      }
    });
  }

  /**
   * No data at all: a resource limit on the whole query (shrink the batch, as for a partial one), a timeout
   * answer (split), or a rejected query (bisect to isolate the cause).
   */
  private async wholeQueryFailed(
    items: WorkItem[],
    call: Call,
    heavySplits: number,
    errors: GraphqlError[],
  ): Promise<void> {
    const said = this.env.redact.text(errors.map((e) => e.message ?? e.type ?? "").join("; ")).slice(0, 300);
    if (errors.some(isResourceLimit)) {
      this.size.shrink(items.length, "resource limits exceeded");
      if (items.length > 1) return this.runItems(items, call, heavySplits);
      const f = failure("transient", `resource limits exceeded even for ${items[0]?.plan.label} alone`);
      for (const item of items) fail(item, f);
      return;
    }
    const heavy = HEAVY_TEXT.test(said);
    if (heavy) {
      return this.heavyFailure(
        items,
        call,
        heavySplits,
        failure("transient", `GitHub could not execute the query: ${said}`),
      );
    }
    if (items.length > 1) {
      const half = Math.ceil(items.length / 2);
      await Promise.all([
        this.runChunk(items.slice(0, half), call, heavySplits),
        this.runChunk(items.slice(half), call, heavySplits),
      ]);
      return;
    }
    const f = failure("invalid", `GitHub rejected the query: ${said}`);
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
    const resourceLimited = errors.some(isResourceLimit);
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
      // A resource limit on a field (a ref, the tag page): the repository is asked again, whole, in a smaller query.
      if (own.some(isResourceLimit)) {
        retry.push(item);
        return;
      }
      item.plan.accept(repo, node, own, this.env.redact);
    });
    if (!resourceLimited && retry.length === 0) return this.size.grow(items.length);
    this.size.shrink(items.length, "resource limits exceeded");
    if (retry.length === 0) return;
    if (items.length === 1) {
      for (const item of retry)
        fail(item, failure("transient", `resource limits exceeded even for ${item.plan.label} alone`));
      return;
    }
    await this.runItems(retry, call, heavySplits);
  }
}
