import {
  type Log,
  makeTarget,
  parseSource,
  parseTrackedRef,
  type Resolution,
  type Target,
} from "@drift/core";
import { createHostResolver, type HostResolver, type HostResolverConfig } from "@drift/github";
import { type GitHubSim, startGitHubSim } from "@drift/github-sim";

/** Shaped like a real classic PAT so that pattern-based redaction is exercised too. */
export const TOKEN = "ghp_T3stT0kenThatMustNeverLeak0123456789";

/** A target from the same strings a workspace_plugins row holds. */
export function target(source: string, trackedRef: string): Target {
  const s = parseSource(source);
  const r = parseTrackedRef(trackedRef);
  if (s.status !== "ok" || r.status !== "ok") throw new Error(`bad test target ${source} ${trackedRef}`);
  return makeTarget(s.value, r.value);
}

/** Starts a simulator that requires {@link TOKEN}. */
export function startSim(options: Parameters<typeof startGitHubSim>[0] = {}): Promise<GitHubSim> {
  return startGitHubSim({ token: TOKEN, ...options });
}

/** A resolver pointed at the simulator, with test-friendly timings (short back-off, no request spacing). */
export function resolverFor(sim: GitHubSim, overrides: HostResolverConfig = {}): HostResolver {
  return createHostResolver({
    githubApiUrl: sim.url,
    auth: { token: TOKEN },
    giteaApiUrls: { [sim.host]: sim.giteaUrl },
    giteaToken: TOKEN,
    requestTimeoutMs: 2000,
    retries: 2,
    retryBaseDelayMs: 10,
    graphqlMinIntervalMs: 0,
    reserve: 0,
    ...overrides,
  });
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

/** A logger that keeps every line (all levels). */
export function captureLogger(): Log & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Resolves and returns the results, asserting one entry per distinct key. */
export async function resolveAll(
  resolver: HostResolver,
  targets: readonly Target[],
): Promise<Map<string, Resolution>> {
  const results = await resolver.resolve(targets.map((t) => ({ target: t })));
  const missing = targets.filter((t) => !results.has(t.key));
  if (missing.length) throw new Error(`no result for ${missing.map((t) => t.key).join(", ")}`);
  return results;
}

/** The SHA of a resolved result, or a readable failure (so `expect(sha(r)).toBe(x)` shows why it failed). */
export function sha(r: Resolution | undefined): string {
  if (!r) return "<missing>";
  return r.status === "resolved" ? r.sha : `<${r.kind}: ${r.message}>`;
}

export function kind(r: Resolution | undefined): string {
  if (!r) return "<missing>";
  return r.status === "resolved" ? "resolved" : r.kind;
}
