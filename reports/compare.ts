/**
 * Comparisons across strategies that every human-facing report shares: which metrics to
 * show, whether two confidence intervals overlap, and which trace to draw for a strategy.
 */

import type { MetricName, MetricSummary, RunTrace, Summary } from "./records.js";
import { METRIC_NAMES } from "./records.js";

/** Metrics that at least one strategy exercises, in METRIC_NAMES order. */
export function shownMetrics(summary: Summary): MetricName[] {
  return METRIC_NAMES.filter((metric) =>
    summary.strategies.some((strategy) => strategy.metrics[metric] !== null),
  );
}

/** " Costs are in USD." when the table shows a cost metric and the results name a currency; else "". */
export function costNote(summary: Summary, metrics: readonly string[]): string {
  const shown = metrics.some((metric) => metric.startsWith("cost_"));
  return shown && summary.currency !== undefined ? ` Costs are in ${summary.currency}.` : "";
}

/** Whether the 95% confidence intervals of two means share any point. */
export function cisOverlap(a: MetricSummary, b: MetricSummary): boolean {
  return a.ci95[0] <= b.ci95[1] && b.ci95[0] <= a.ci95[1];
}

/**
 * The trace to draw for each strategy, in the order strategies first appear in `order`
 * (then any strategy only the traces name): the one with the lowest replication number,
 * so the choice does not depend on the order traces were merged in.
 */
export function tracePerStrategy(
  traces: readonly RunTrace[],
  order: readonly string[] = [],
): RunTrace[] {
  const chosen = new Map<string, RunTrace>();
  for (const trace of traces) {
    const current = chosen.get(trace.strategy);
    if (current === undefined || trace.replication < current.replication) {
      chosen.set(trace.strategy, trace);
    }
  }
  const result: RunTrace[] = [];
  for (const name of order) {
    const trace = chosen.get(name);
    if (trace !== undefined) {
      result.push(trace);
      chosen.delete(name);
    }
  }
  // Strategies missing from `order`, in first-appearance order of `traces`.
  for (const trace of chosen.values()) result.push(trace);
  return result;
}

/** Failures of each kind in one strategy's drawn trace. */
export interface FailureCountRow {
  readonly strategy: string;
  readonly replication: number;
  /** Counts in the order of `FailureCounts.kinds`. */
  readonly counts: readonly number[];
  readonly total: number;
}

export interface FailureCounts {
  /** Every kind seen in any trace, sorted by name. */
  readonly kinds: readonly string[];
  readonly rows: readonly FailureCountRow[];
}

/** Per-strategy failure counts by kind, from the trace `tracePerStrategy` picks. */
export function failureCounts(traces: readonly RunTrace[], order: readonly string[] = []): FailureCounts {
  const chosen = tracePerStrategy(traces, order);
  const kindSet = new Set<string>();
  for (const trace of chosen) for (const failure of trace.failures) kindSet.add(failure.kind);
  const kinds = [...kindSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rows = chosen.map((trace) => {
    const counts = kinds.map((kind) => trace.failures.filter((f) => f.kind === kind).length);
    return {
      strategy: trace.strategy,
      replication: trace.replication,
      counts,
      total: trace.failures.length,
    };
  });
  return { kinds, rows };
}

/** GPU utilisation by pool in the trace `tracePerStrategy` picks of each strategy; no pools, no rows. */
export function poolUtilization(traces: readonly RunTrace[], order: readonly string[] = []): { pools: string[]; rows: { strategy: string; replication: number; values: number[] }[] } {
  const chosen = tracePerStrategy(traces, order).filter((trace) => trace.pools !== undefined && trace.pools.length > 0);
  if (chosen.length === 0) return { pools: [], rows: [] };
  const pools = chosen[0].pools!.map((pool) => pool.name);
  const rows = chosen.map((trace) => ({
    strategy: trace.strategy,
    replication: trace.replication,
    values: pools.map((name) => trace.pools!.find((pool) => pool.name === name)?.gpuUtilization ?? 0),
  }));
  return { pools, rows };
}

export interface SeriesLabel {
  readonly title: string;
  readonly axis: string;
}

/**
 * What the two time series of a result set hold, told from which metrics it measured: a
 * service scenario samples its goodput ratio and request queues; a cluster its GPU (or,
 * without GPUs, node) utilisation and job queue. Saved results carry no scenario kind, so
 * `faultline report` can only go by the metrics.
 */
export function seriesLabels(summary: Summary): {
  heading: string;
  utilization: SeriesLabel;
  queueLength: SeriesLabel;
} {
  const measured = (metric: MetricName) => summary.strategies.some((strategy) => strategy.metrics[metric] !== null);
  if (measured("service_goodput_ratio")) {
    return {
      heading: "Goodput and queued requests",
      utilization: { title: "Goodput ratio", axis: "requests succeeded / arrived" },
      queueLength: { title: "Queued requests", axis: "requests waiting at replicas" },
    };
  }
  const gpus = measured("gpu_utilization");
  return {
    heading: "Utilisation and queue length",
    utilization: gpus
      ? { title: "GPU utilisation", axis: "fraction of GPUs busy" }
      : { title: "Node utilisation", axis: "fraction of nodes busy" },
    queueLength: { title: "Queue length", axis: "jobs waiting" },
  };
}
