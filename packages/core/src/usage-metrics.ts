import { Metric } from "./metrics";
import type { MetricsSink, RecordedMessage } from "./ports";
import type { ResolverStats } from "./resolution";
import type { ResolveUsage } from "./usage";

/**
 * What the message's requests cost, per API: GitHub's GraphQL points and its REST requests are separate budgets
 * (each with its own remainder), and Gitea's requests are another host's. Only APIs the message used are sent.
 */
export function emitUsageMetrics(m: MetricsSink, usage: ResolveUsage, stats: ResolverStats): void {
  for (const api of ["graphql", "rest", "gitea"] as const)
    if (usage[api] > 0) m.add(Metric.GitHubRequests, "Count", usage[api], { Api: api });
  m.add(Metric.GitHubPointsUsed, "Count", usage.points);
  for (const api of ["graphql", "rest"] as const) {
    const left = stats.budgetRemaining?.[api];
    if (left !== undefined) m.add(Metric.GitHubBudgetRemaining, "Count", left, { Api: api });
  }
}

/** The drift kinds and tag-integrity events a message recorded. */
export function emitSupplyChainMetrics(m: MetricsSink, recorded: RecordedMessage): void {
  for (const [kind, n] of Object.entries(recorded.driftByKind ?? {}))
    m.add(Metric.DriftDetected, "Count", n, { DriftKind: kind });
  for (const [kind, n] of Object.entries(recorded.integrity ?? {}))
    if (n) m.add(Metric.IntegrityEvents, "Count", n, { IntegrityKind: kind });
}
