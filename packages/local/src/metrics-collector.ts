import type { MetricName, MetricsSink, MetricUnit } from "@drift/core";

/** A MetricsSink that sums what the sweep emits, for the CLI summary (locally nothing goes to CloudWatch). */
export class MetricsCollector implements MetricsSink {
  private readonly totals = new Map<string, number>();
  private readonly gauges = new Map<string, number>();

  add(
    name: MetricName,
    _unit: MetricUnit,
    value: number,
    dimensions?: Readonly<Record<string, string>>,
  ): void {
    const key = keyOf(name, dimensions);
    // Budget remaining is a level, not a count: keep the lowest seen.
    if (name === "GitHubBudgetRemaining") {
      this.gauges.set(key, Math.min(value, this.gauges.get(key) ?? Number.POSITIVE_INFINITY));
      return;
    }
    this.totals.set(key, (this.totals.get(key) ?? 0) + value);
  }

  total(name: MetricName): number {
    let sum = 0;
    for (const [k, v] of this.totals) if (k === name || k.startsWith(`${name}|`)) sum += v;
    return sum;
  }

  byDimension(name: MetricName, dimension: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.totals) {
      const m = k.startsWith(`${name}|`) ? new RegExp(`${dimension}=([^,]*)`).exec(k) : null;
      if (m?.[1]) out[m[1]] = (out[m[1]] ?? 0) + v;
    }
    return out;
  }

  /** The lowest value of a level metric, of the series with exactly these dimensions. */
  gauge(name: MetricName, dimensions?: Readonly<Record<string, string>>): number | undefined {
    return this.gauges.get(keyOf(name, dimensions));
  }
}

const keyOf = (name: MetricName, dimensions?: Readonly<Record<string, string>>): string =>
  dimensions && Object.keys(dimensions).length
    ? `${name}|${Object.entries(dimensions)
        .map(([k, v]) => `${k}=${v}`)
        .join(",")}`
    : name;
