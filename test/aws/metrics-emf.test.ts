import {
  createDispatcherHandler,
  createLambdaMetrics,
  createWorkerHandler,
  powertoolsHandlerMetrics,
} from "@drift/aws";
import { ALL_METRICS, METRICS_NAMESPACE } from "@drift/core";
import { createSweepStore } from "@drift/db";
import { LocalQueue } from "@drift/local";
import { describe, expect, it, vi } from "vitest";
import { quietLog, simResolver, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment({ clean: false });

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

describe("metrics in CloudWatch Embedded Metric Format", () => {
  it("a sweep prints EMF lines with the product's names, units, dimensions (service, stage) and values", async () => {
    env.sim.world.createRepo("emf/a");
    env.sim.world.tag("emf/a", "v1.0.0");
    const old = env.sim.world.revParse(env.sim.world.repo("emf/a"), "refs/heads/main") as string;
    env.sim.world.commit("emf/a", "main");
    env.sim.world.tag("emf/a", "v1.1.0");
    await insertPlugins(env.db.sql, [
      { plugin_name: "a", source_raw: "github://emf/a", tracked_ref: "tag:latest", installed_sha: old },
      { plugin_name: "b", source_raw: "github://emf/a", tracked_ref: "branch:main", installed_sha: old },
      {
        plugin_name: "c",
        source_raw: "github://emf/missing",
        tracked_ref: "branch:main",
        installed_sha: old,
      },
      { plugin_name: "d", source_raw: "local://d", tracked_ref: "tag:latest", installed_sha: old },
      { plugin_name: "e", source_raw: "svn://x/y", tracked_ref: "tag:latest", installed_sha: old },
    ]);

    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const store = createSweepStore(env.db.sql);
      const queue = new LocalQueue();
      // As the Lambdas build them: service and stage on every metric.
      const metricsFor = (service: string) =>
        powertoolsHandlerMetrics(createLambdaMetrics(service, "emf-stage"));
      const dispatcher = createDispatcherHandler({
        store,
        queue,
        metrics: metricsFor("dispatcher"),
        log: quietLog,
        config: { minIntervalMs: 0 },
      });
      const worker = createWorkerHandler({
        store,
        resolver: simResolver(env.sim),
        metrics: metricsFor("worker"),
        log: quietLog,
      });
      await dispatcher({});
      await queue.drain(worker);
    } finally {
      spy.mockRestore();
    }

    const emf = lines
      .flatMap((l) => l.split("\n"))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as EmfLine);
    expect(emf.length).toBeGreaterThanOrEqual(2);
    const values = new Map<string, number>();
    const units = new Map<string, string>();
    for (const line of emf) {
      const meta = line._aws.CloudWatchMetrics[0];
      expect(meta?.Namespace).toBe(METRICS_NAMESPACE);
      expect(typeof line._aws.Timestamp).toBe("number");
      expect(["dispatcher", "worker"]).toContain(line.service);
      expect(line.stage).toBe("emf-stage");
      for (const m of meta?.Metrics ?? []) {
        expect(ALL_METRICS).toContain(m.Name);
        const dims = meta?.Dimensions[0] ?? [];
        // The stage is a dimension of every metric, single metrics (FailureKind, DriftKind, ...) included.
        const extra = {
          TargetsFailed: "FailureKind",
          DriftDetected: "DriftKind",
          IntegrityEvents: "IntegrityKind",
          GitHubRequests: "Api",
          GitHubBudgetRemaining: "Api",
        }[m.Name as string];
        if (extra) {
          expect([...dims].sort()).toEqual([extra, "service", "stage"].sort());
        } else {
          expect([...dims].sort()).toEqual(["service", "stage"]);
        }
        units.set(m.Name, m.Unit);
        const raw = line[m.Name];
        const v = Array.isArray(raw) ? (raw as number[]).reduce((a, b) => a + b, 0) : (raw as number);
        const key = extra ? `${m.Name}:${line[extra] as string}` : `${line.service as string}:${m.Name}`;
        values.set(key, (values.get(key) ?? 0) + v);
      }
    }
    expect(values.get("dispatcher:RowsScanned")).toBe(5);
    expect(values.get("dispatcher:RowsSkipped")).toBe(1);
    expect(values.get("dispatcher:RowsInvalid")).toBe(1);
    expect(values.get("dispatcher:TargetsDispatched")).toBe(3);
    expect(values.get("dispatcher:MessagesSent")).toBe(1);
    expect(values.get("dispatcher:SweepsStarted")).toBe(1);
    expect(values.get("worker:TargetsResolved")).toBe(2);
    expect(values.get("TargetsFailed:not_found")).toBe(1);
    expect(values.get("worker:DriftNew")).toBe(2);
    expect(values.get("DriftDetected:new_version")).toBe(1);
    expect(values.get("DriftDetected:ref_moved")).toBe(1);
    // Per API: the GraphQL queries this sweep sent, on their own series (REST requests are another budget).
    expect(values.get("GitHubRequests:graphql")).toBeGreaterThanOrEqual(1);
    expect(values.get("worker:SweepsCompleted")).toBe(1);
    expect(values.get("worker:SweepDuration")).toBeGreaterThan(0);
    expect(units.get("SweepDuration")).toBe("Milliseconds");
    expect(units.get("TargetsResolved")).toBe("Count");
  });
});
