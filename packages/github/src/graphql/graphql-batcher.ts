import { type Resolution, repoKey, type Target } from "@drift/core";
import { type Failure, failure } from "../shared/errors";
import { type HostEnv, HostGate } from "../shared/host";
import { pause, retryDelayMs } from "../shared/repeat";
import { AdaptiveBatchSize } from "./batch-size";
import { readRepositories, whyNoData } from "./graphql-answer";
import { type GraphqlError, RepoPlan } from "./graphql-plan";
import { type BuiltQuery, buildRefsQuery, type RepoSelection, TAG_PAGE_SIZE } from "./graphql-query";
import { GraphqlSender } from "./graphql-send";
import { type Call, fail, failItems, packQueries, type WorkItem } from "./graphql-work";

const MAX_TAG_PAGES = 500;
const MAX_PEEL_ROUNDS = 8;
/** Halvings of one batch on heavy failures (100 → 50 → 25 → 12). */
const MAX_HEAVY_SPLITS = 3;

/**
 * Resolves GitHub targets with batched GraphQL queries: every repository of a batch is one aliased
 * `repository` field, each ref an alias inside it. The batch size adapts: halved on resource-limit errors and
 * timeouts, grown back after clean full-size successes. Heavy failures (GitHub's timeout answer, 502/504, our
 * own timeout) are never repeated at the same size: the batch is split at once (GitHub counts timeouts against
 * the rate limit). Plain 5xx answers are repeated, by this class rather than the retry plugin (which cannot
 * tell the two apart). One instance per host; its adaptive size, rate budget and rate-limit stop persist.
 *
 * This file is the batch execution loop; sending is in graphql-send.ts, reading answers in graphql-answer.ts.
 */
export class GraphQLBatcher {
  private readonly size: AdaptiveBatchSize;
  private readonly gate = new HostGate();
  private readonly sender: GraphqlSender;

  constructor(
    private readonly env: HostEnv,
    url: string,
  ) {
    this.size = new AdaptiveBatchSize(env.settings.repositoriesPerQuery, env.log);
    this.sender = new GraphqlSender(env, url, this.gate);
  }

  /** The endpoint answered 404 (no GraphQL here): the caller falls back to REST. */
  get unavailable(): boolean {
    return this.sender.unavailable;
  }

  /** Current repositories per query. */
  get batchSize(): number {
    return this.size.value;
  }

  /** Resolves non-`sha` GitHub targets (distinct keys). Never throws for a target's failure. */
  async resolve(targets: readonly Target[], signal?: AbortSignal): Promise<Map<string, Resolution>> {
    const call: Call = { signal, heavyInARow: 0, timedOut: new WeakSet() };
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
    const sender = this.sender;
    let rest = packQueries(items, this.size.value, this.env.settings.refsPerQuery);
    // Until the host has told us its budget (and that it accepts our credentials), send one query alone.
    while (rest.length > 0 && (!sender.answered || !this.env.budget.known) && !sender.unavailable) {
      await this.runChunk(rest[0] as WorkItem[], call, heavySplits);
      rest = rest.slice(1);
      if (sender.answered) break;
    }
    await Promise.all(rest.map((chunk) => this.runChunk(chunk, call, heavySplits)));
  }

  private async runChunk(items: WorkItem[], call: Call, heavySplits: number, repeats = 0): Promise<void> {
    const failAll = (f: Failure) => failItems(items, f);
    const { log } = this.env;
    const built = buildRefsQuery(items.map((i) => i.selection));
    const started = Date.now();
    const sent = await this.sender.sendRetrying(built, items.length, call);
    if ("skip" in sent) return failAll(sent.skip);
    if ("error" in sent) {
      const c = sent.error;
      if (c.status === 404 && !this.sender.answered) {
        this.sender.unavailable = true;
        return failAll(failure("transient", "GitHub GraphQL endpoint not found"));
      }
      if (c.timedOut) return this.timedOut(items, call, heavySplits, c.failure);
      if (c.heavy) return this.heavyFailure(items, call, heavySplits, c.failure, repeats);
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
    if (!data) return this.wholeQueryFailed(items, call, heavySplits, errors, repeats);
    call.heavyInARow = 0;
    await this.readAnswer(items, call, heavySplits, built, data, errors);
  }

  /**
   * Our timeout: the host did not answer. The first time, the query's repositories are split into as many
   * queries as may run at once (one more timeout finds the hung repository among them, instead of one per
   * halving); a repository timing out a second time in this call is left for the next sweep, never repeated.
   */
  private async timedOut(items: WorkItem[], call: Call, heavySplits: number, f: Failure): Promise<void> {
    const seen = call.timedOut ?? new WeakSet<object>();
    if (items.some((i) => seen.has(i.plan))) {
      // The host's failure (counted, alarmed on), not the targets': no per-target back-off, no redelivery.
      this.env.log.warn("GraphQL query timed out twice: left for the next sweep", {
        repositories: items.length,
      });
      return failItems(items, {
        ...f,
        message: `${f.message}, twice: left for the next sweep`,
        scope: "host",
      });
    }
    for (const item of items) seen.add(item.plan);
    if (items.length === 1) return this.runChunk(items, call, heavySplits);
    this.size.shrink(items.length, f.message);
    const per = Math.ceil(items.length / Math.min(items.length, this.env.settings.maxConcurrencyPerHost));
    const chunks: WorkItem[][] = [];
    for (let i = 0; i < items.length; i += per) chunks.push(items.slice(i, i + per));
    await Promise.all(chunks.map((chunk) => this.runChunk(chunk, call, MAX_HEAVY_SPLITS)));
  }

  /**
   * A timeout, 502/504 or GitHub's "Something went wrong": the query may be too heavy. Split it at once
   * (bounded). What cannot be split further (one repository, or the split limit reached) is repeated `retries`
   * times, backing off with jitter: a burst of 502s costs seconds, not the sweep. A host failing at every size
   * fails the call.
   */
  private async heavyFailure(
    items: WorkItem[],
    call: Call,
    heavySplits: number,
    f: Failure,
    repeats = 0,
  ): Promise<void> {
    call.heavyInARow += 1;
    const { settings } = this.env;
    if (call.heavyInARow >= 2 * settings.maxConcurrencyPerHost) {
      // Failing at every size with no answer in between: the host is in trouble, not the query. Nothing more is
      // sent in this call (a hung host would otherwise cost a timeout per split).
      this.gate.close(f, call);
    } else if (items.length > 1 && heavySplits < MAX_HEAVY_SPLITS) {
      this.size.shrink(items.length, f.message);
      return this.runItems(items, call, heavySplits + 1);
    } else if (repeats < settings.retries && !call.signal?.aborted) {
      await pause(retryDelayMs(repeats, settings.retryBaseDelayMs), call.signal);
      return this.runChunk(items, call, heavySplits, repeats + 1);
    }
    this.env.log.warn("GraphQL query failed", {
      repositories: items.length,
      kind: f.kind,
      reason: f.message,
    });
    failItems(items, f);
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
    repeats: number,
  ): Promise<void> {
    const why = whyNoData(errors, this.env.redact);
    if (why.cause === "resource_limits") {
      this.size.shrink(items.length, "resource limits exceeded");
      if (items.length > 1) return this.runItems(items, call, heavySplits);
      const f = failure("transient", `resource limits exceeded even for ${items[0]?.plan.label} alone`);
      failItems(items, f);
      return;
    }
    if (why.cause === "heavy") {
      return this.heavyFailure(
        items,
        call,
        heavySplits,
        failure("transient", `GitHub could not execute the query: ${why.said}`),
        repeats,
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
    const f = failure("invalid", `GitHub rejected the query: ${why.said}`);
    this.env.log.warn("GraphQL query failed", {
      repositories: items.length,
      kind: f.kind,
      reason: f.message,
    });
    failItems(items, f);
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
    const { resourceLimited, retry } = readRepositories(items, built, data, errors, this.env.redact);
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
