import type { Log } from "./ports";
import type { Resolution, ResolveUsage } from "./resolution";
import type {
  CommitReview,
  CompareReview,
  Fetched,
  ReviewAnswer,
  ReviewFetch,
  ReviewRequest,
} from "./review-types";
import type { Target } from "./target";

/**
 * The review packet of a drift: what an operator needs to decide on it (repository, versions, commits ahead, the
 * new commit's date and signature, the release). Gathered once per distinct drift after the drift row is
 * recorded; a packet that cannot be fetched leaves its fields null and is retried by a later sweep. Its fetch
 * never delays or blocks the drift row (only its guess, one read, goes first). Null always means "not known".
 */

/** A pending drift whose packet (or comparison) is missing, or failed and still worth another try. */
export interface WantedReview {
  readonly targetKey: string;
  readonly currentSha: string;
  readonly latestSha: string;
  readonly resolvedTag: string | null;
  readonly needCommit: boolean;
  readonly needCompare: boolean;
}

/** What the store keeps of one drift's packet. */
export interface ReviewRecord {
  readonly targetKey: string;
  readonly latestSha: string;
  readonly commit?: {
    readonly toVersion: string | null;
    /** The annotated tag's tagger date, from the resolution (no request of its own); null: none or unknown. */
    readonly taggedAt: string | null;
    readonly result: Fetched<CommitReview>;
  };
  readonly compares: readonly {
    readonly currentSha: string;
    readonly fromVersion: string | null;
    readonly result: Fetched<CompareReview>;
  }[];
}

/** Port: where packets are kept (joined into queue rows on read). */
export interface ReviewStore {
  wantedReviews(targetKeys: readonly string[]): Promise<WantedReview[]>;
  /**
   * The drifts these resolutions are about to open, before they are recorded: a guess (the drift rows decide),
   * so that their packets are fetched while the rows are written. Optional: without it packets wait for the rows.
   */
  predictedReviews?(
    resolved: readonly { targetKey: string; sha: string; tag: string | null }[],
  ): Promise<WantedReview[]>;
  recordReviews(records: readonly ReviewRecord[]): Promise<void>;
}

export const reviewKey = (targetKey: string, latestSha: string): string => `${targetKey}\n${latestSha}`;

/** The name of the version a target moves to: the chosen tag, or the tracked tag or branch name. */
export function toVersionOf(target: Pick<Target, "ref">, resolvedTag: string | null): string | null {
  const ref = target.ref;
  if (ref.type === "latest" || ref.type === "semver") return resolvedTag;
  if (ref.type === "sha") return null;
  return ref.name;
}

/** The tag whose release belongs to the new commit, when there is one to look up. */
function releaseTagOf(target: Target, resolvedTag: string | null): string | null {
  const ref = target.ref;
  if (ref.type === "latest" || ref.type === "semver") return resolvedTag;
  return ref.type === "tag" ? ref.name : null;
}

/** The installed commit's tag, from the tag list fetched to resolve `tag:latest` / `semver:` (prefix match). */
export function fromVersionOf(resolution: Resolution | undefined, currentSha: string): string | null {
  if (resolution?.status !== "resolved" || !resolution.tags) return null;
  const current = currentSha.toLowerCase();
  const names = resolution.tags
    .filter((t) => t.sha.toLowerCase().startsWith(current))
    .map((t) => t.name)
    .sort();
  // Several tags on one commit (v1.2.0 and 1.2.0): the first by name, so the answer does not depend on order.
  return names[0] ?? null;
}

/** The tagger date of the annotated tag the target resolved to, when that resolution is of this new commit. */
export function taggedAtOf(resolution: Resolution | undefined, latestSha: string): string | null {
  if (resolution?.status !== "resolved" || resolution.sha !== latestSha.toLowerCase()) return null;
  return resolution.taggedAt ?? null;
}

/**
 * The tag object the target resolved to (and its signature, when the resolution read it), when that resolution
 * is of this new commit: the packet looks the tag's signature up from it.
 */
export function reviewTagOf(
  resolution: Resolution | undefined,
  latestSha: string,
): Pick<ReviewRequest, "tagObject" | "tagSignature"> {
  if (resolution?.status !== "resolved" || resolution.sha !== latestSha.toLowerCase()) return {};
  return {
    ...(resolution.tagObject !== undefined ? { tagObject: resolution.tagObject } : {}),
    ...(resolution.tagSignature ? { tagSignature: resolution.tagSignature } : {}),
  };
}

export interface ReviewDeps {
  readonly store: ReviewStore;
  /** Keyed by {@link reviewKey}(target key, latest SHA); an absent key counts as failed. */
  readonly fetch: ReviewFetch;
  /** Where the fetch's requests and points are counted (the message's GitHub figures). */
  readonly usage?: ResolveUsage;
  /** The worker's deadline: packets not fetched by then are fetched by a later sweep. */
  readonly signal?: AbortSignal;
}

/** What one review step did. */
export interface ReviewCounts {
  readonly drifts: number;
  readonly fetched: number;
  readonly failed: number;
}

const NONE: ReviewCounts = { drifts: 0, fetched: 0, failed: 0 };

/**
 * Gathers the packets still wanted for the drifts of these targets and records them. Runs after the drift rows
 * are committed; never throws (a failure is logged and the packets stay wanted for a later sweep).
 */
export async function reviewDrifts(
  deps: ReviewDeps,
  targets: readonly Target[],
  resolutions: ReadonlyMap<string, Resolution>,
  log: Log,
  /** Packets and comparisons already tried by this message ({@link prefetchReviews}): not asked for again. */
  tried: ReadonlySet<string> = new Set(),
  wantedOf: (keys: string[]) => Promise<WantedReview[]> = (keys) => deps.store.wantedReviews(keys),
): Promise<ReviewCounts & { tried: ReadonlySet<string> }> {
  const none = { ...NONE, tried };
  try {
    const wanted = (await wantedOf(targets.map((t) => t.key)))
      .map((w) => ({
        ...w,
        needCommit: w.needCommit && !tried.has(reviewKey(w.targetKey, w.latestSha)),
        needCompare: w.needCompare && !tried.has(compareKey(w)),
      }))
      .filter((w) => w.needCommit || w.needCompare);
    if (wanted.length === 0) return none;
    const byKey = new Map(targets.map((t) => [t.key, t]));
    const requests = new Map<string, ReviewRequest & { currents: string[] }>();
    for (const w of wanted) {
      const target = byKey.get(w.targetKey);
      if (!target) continue;
      const key = reviewKey(w.targetKey, w.latestSha);
      const request = requests.get(key) ?? {
        target,
        latestSha: w.latestSha,
        releaseTag: releaseTagOf(target, w.resolvedTag),
        ...reviewTagOf(resolutions.get(target.key), w.latestSha),
        commit: false,
        currents: [],
      };
      requests.set(key, {
        ...request,
        commit: request.commit || w.needCommit,
        currents: w.needCompare ? [...request.currents, w.currentSha] : request.currents,
      });
    }
    const answers = await deps.fetch([...requests.values()], deps.signal, deps.usage);
    const records = [...requests.entries()].map(([key, r]) =>
      recordOf(r, answers.get(key), resolutions.get(r.target.key), wanted),
    );
    await deps.store.recordReviews(records);
    const results = records.flatMap((r) => [
      ...(r.commit ? [r.commit.result] : []),
      ...r.compares.map((c) => c.result),
    ]);
    const failed = results.filter((r) => !r.ok).length;
    const counts = { drifts: requests.size, fetched: results.length - failed, failed };
    log.info("review packets", counts);
    const now = new Set(tried);
    for (const w of wanted) {
      if (w.needCommit) now.add(reviewKey(w.targetKey, w.latestSha));
      if (w.needCompare) now.add(compareKey(w));
    }
    return { ...counts, tried: now };
  } catch (error) {
    log.warn("review packets not gathered; a later sweep retries", {
      reason: error instanceof Error ? error.message : String(error),
    });
    return none;
  }
}

const compareKey = (w: WantedReview) => `${w.targetKey}\n${w.currentSha}\n${w.latestSha}`;

/** A packet prefetch under way: `asked` once the store's guess is read (or failed), `tried` when it is done. */
export interface Prefetch {
  readonly asked: Promise<void>;
  readonly tried: Promise<ReadonlySet<string>>;
}

/**
 * Starts gathering the packets of the drifts these resolutions are about to open (the store's guess), so that
 * their round trip overlaps the write of the drift rows; `tried` resolves to what it tried, for
 * {@link reviewDrifts} to skip once the rows are recorded (it then fetches only what the guess missed). Never
 * throws; without a store that guesses, tries nothing.
 */
export function prefetchReviews(
  deps: ReviewDeps | undefined,
  targets: readonly Target[],
  resolutions: ReadonlyMap<string, Resolution>,
  log: Log,
): Prefetch {
  const predict = deps?.store.predictedReviews?.bind(deps.store);
  const resolved = targets.flatMap((t) => {
    const r = resolutions.get(t.key);
    return r?.status === "resolved" ? [{ targetKey: t.key, sha: r.sha, tag: r.tag ?? null }] : [];
  });
  if (!deps || !predict || resolved.length === 0)
    return { asked: Promise.resolve(), tried: Promise.resolve(new Set()) };
  let asked = () => {};
  const read = new Promise<void>((resolve) => {
    asked = resolve;
  });
  const guess = () => predict(resolved).finally(asked);
  const tried = reviewDrifts(deps, targets, resolutions, log, new Set(), guess).then((r) => r.tried);
  // reviewDrifts never throws; should it return before asking, the write must not wait for a guess.
  void tried.finally(asked);
  return { asked: read, tried };
}

const missing = { ok: false, error: "no answer for this drift" } as const;

function recordOf(
  request: ReviewRequest,
  answer: ReviewAnswer | undefined,
  resolution: Resolution | undefined,
  wanted: readonly WantedReview[],
): ReviewRecord {
  const tag = wanted.find((w) => w.targetKey === request.target.key && w.latestSha === request.latestSha);
  return {
    targetKey: request.target.key,
    latestSha: request.latestSha,
    ...(request.commit
      ? {
          commit: {
            toVersion: toVersionOf(request.target, tag?.resolvedTag ?? null),
            taggedAt: taggedAtOf(resolution, request.latestSha),
            result: answer?.commit ?? missing,
          },
        }
      : {}),
    compares: request.currents.map((currentSha) => ({
      currentSha,
      fromVersion: fromVersionOf(resolution, currentSha),
      result: answer?.compares.get(currentSha) ?? missing,
    })),
  };
}
