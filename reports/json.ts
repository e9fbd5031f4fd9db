/**
 * summary.json: the statistics of every metric per strategy, in DESIGN.md's key order.
 * The object is rebuilt key by key rather than serialised as given, so the bytes depend on
 * the values only, never on how the caller happened to build the record.
 */

import { roundForOutput } from "./format.js";
import type { EventRecord, MetricSummary, ObjectiveRecord, ResultSet, StrategySummary, Summary } from "./records.js";
import { METRIC_NAMES } from "./records.js";

/**
 * summary.json's text: 2-space indented JSON ending in a newline, keys in DESIGN.md's order
 * (`scenario, seed, replications, faultlineVersion, currency, strategies[{ name, metrics }]`, metrics
 * in METRIC_NAMES order, each `{ mean, ci95, min, q1, median, q3, max }` or null), every
 * statistic rounded by `roundForOutput`. Seed and replications are written exactly.
 */
export function summaryJson(summary: Summary): string {
  assertSafeInteger(summary.seed, "seed");
  assertSafeInteger(summary.replications, "replications");
  const ordered = {
    scenario: summary.scenario,
    seed: summary.seed,
    replications: summary.replications,
    faultlineVersion: summary.faultlineVersion,
    ...(summary.currency === undefined ? {} : { currency: summary.currency }),
    strategies: summary.strategies.map(orderStrategy),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function orderStrategy(strategy: StrategySummary): object {
  const metrics: Record<string, object | null> = {};
  for (const metric of METRIC_NAMES) {
    const stats = strategy.metrics[metric];
    if (stats === undefined) {
      throw new Error(`strategy "${strategy.name}" has no entry for metric ${metric}`);
    }
    metrics[metric] = stats === null ? null : orderStats(stats);
  }
  if (strategy.versusFirst === undefined) return { name: strategy.name, metrics };
  const versusFirst: Record<string, object | null> = {};
  for (const metric of METRIC_NAMES) {
    const difference = strategy.versusFirst[metric];
    versusFirst[metric] =
      difference === null || difference === undefined
        ? null
        : {
            mean: roundForOutput(difference.mean),
            ci95: [roundForOutput(difference.ci95[0]), roundForOutput(difference.ci95[1])],
            pairs: difference.pairs,
          };
  }
  return { name: strategy.name, metrics, versusFirst };
}

function orderStats(stats: MetricSummary): object {
  return {
    mean: roundForOutput(stats.mean),
    ci95: [roundForOutput(stats.ci95[0]), roundForOutput(stats.ci95[1])],
    min: roundForOutput(stats.min),
    q1: roundForOutput(stats.q1),
    median: roundForOutput(stats.median),
    q3: roundForOutput(stats.q3),
    max: roundForOutput(stats.max),
  };
}

function assertSafeInteger(value: number, field: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new Error(`summary ${field} must be a safe integer, got ${String(value)}`);
  }
}

/** traces.json: what a report needs beyond summary.json and runs.csv. */
export interface SavedTraces {
  readonly description: string;
  readonly horizonH: number;
  readonly traces: ResultSet["traces"];
  /** Only when the scenario declares one, so the files of a scenario without stay as they were. */
  readonly objective?: ObjectiveRecord;
}

/** traces.json's text: the question, the horizon, and every replication's time series and failures. */
export function tracesJson(results: ResultSet): string {
  const saved = {
    description: results.description,
    horizonH: roundForOutput(results.horizonH),
    traces: results.traces.map((trace) => ({
      strategy: trace.strategy,
      replication: trace.replication,
      utilization: trace.utilization.map((point) => ({ timeH: roundForOutput(point.timeH), value: roundForOutput(point.value) })),
      queueLength: trace.queueLength.map((point) => ({ timeH: roundForOutput(point.timeH), value: roundForOutput(point.value) })),
      failures: trace.failures.map((failure) => ({
        timeH: roundForOutput(failure.timeH),
        kind: failure.kind,
        target: failure.target,
        durationH: failure.durationH === null ? null : roundForOutput(failure.durationH),
      })),
      ...(trace.pools === undefined ? {} : { pools: trace.pools.map((pool) => ({ name: pool.name, gpuUtilization: roundForOutput(pool.gpuUtilization) })) }),
    })),
    ...(results.objective === undefined ? {} : { objective: { direction: results.objective.direction, metrics: [...results.objective.metrics] } }),
  };
  return `${JSON.stringify(saved)}\n`;
}

/**
 * events.jsonl's text: each event record of each strategy's first replication as one JSON
 * line, `strategy` first, then the record's own fields as the model wrote them (`timeUs`,
 * `kind`, …), in strategy then time order.
 */
export function eventsJsonl(events: readonly EventRecord[]): string {
  let text = "";
  for (const event of events) text += `${JSON.stringify(event)}\n`;
  return text;
}

/**
 * A result set rebuilt from saved files alone (`faultline report <dir>`): summary.json,
 * runs.csv and traces.json. Throws an Error naming the file and field that is wrong.
 */
export function resultSetFromFiles(summaryText: string, tracesText: string, runs: ResultSet["runs"]): ResultSet {
  const summary = JSON.parse(summaryText) as ResultSet["summary"];
  for (const field of ["scenario", "seed", "replications", "faultlineVersion", "strategies"] as const) {
    if (summary[field] === undefined) throw new Error(`summary.json: missing "${field}"`);
  }
  const saved = JSON.parse(tracesText) as SavedTraces;
  for (const field of ["description", "horizonH", "traces"] as const) {
    if (saved[field] === undefined) throw new Error(`traces.json: missing "${field}"`);
  }
  const objective = saved.objective;
  if (
    objective !== undefined &&
    (!["minimize", "maximize"].includes(objective?.direction) ||
      !Array.isArray(objective.metrics) ||
      objective.metrics.length === 0 ||
      !objective.metrics.every((metric) => METRIC_NAMES.includes(metric)))
  ) {
    throw new Error(`traces.json: objective: expected { direction: minimize or maximize, metrics: [metric names] }`);
  }
  return { summary, description: saved.description, horizonH: saved.horizonH, runs, traces: saved.traces, ...(objective === undefined ? {} : { objective }) };
}
