import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE, type MetricsSink } from "@drift/core";
import type { HandlerMetrics } from "./handlers";

/**
 * Metrics through Powertools (CloudWatch Embedded Metric Format on stdout). Metrics with extra dimensions
 * (FailureKind) go out as single metrics so the shared dimension set stays `service` and `stage` only.
 */
export function powertoolsMetricsSink(metrics: Metrics): MetricsSink {
  return {
    add(name, unit, value, dimensions) {
      const u = unit === "Milliseconds" ? MetricUnit.Milliseconds : MetricUnit.Count;
      if (!dimensions || Object.keys(dimensions).length === 0) {
        metrics.addMetric(name, u, value);
        return;
      }
      const single = metrics.singleMetric();
      for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
      single.addMetric(name, u, value);
    },
  };
}

/** Powertools Metrics as a HandlerMetrics (EMF on stdout, flushed per invocation). */
export function powertoolsHandlerMetrics(metrics: Metrics): HandlerMetrics {
  return { sink: powertoolsMetricsSink(metrics), flush: () => metrics.publishStoredMetrics() };
}

/**
 * The Powertools Metrics of one function: namespace METRICS_NAMESPACE, dimensions `service` and `stage` on every
 * metric (single metrics included), so the stages of one account and region never share a series.
 *
 * @example
 * const metrics = createLambdaMetrics("worker", runtimeConfig().stage);
 */
export function createLambdaMetrics(service: string, stage: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service, defaultDimensions: { stage } });
}
