/**
 * The plain records a run leaves behind. Reports are built from these alone, so a report
 * can be rebuilt from saved results (`faultline report <dir>`).
 */

import type { JobLogEntry } from "../models/cluster/options.js";
import type { MetricName } from "../models/metrics.js";

// The metric table is declared once, in models/metrics.ts; reports read it from here.
export { METRIC_BETTER, METRIC_NAMES, type MetricKind, type MetricName, metricKind } from "../models/metrics.js";

/** A metric's value in one run; null when the scenario does not exercise it. */
export type MetricValues = Readonly<Record<MetricName, number | null>>;

/** A value of a piecewise-constant quantity sampled at a time. */
export interface SeriesPoint {
  readonly timeH: number;
  readonly value: number;
}

/** A failure injected during a run, for the failure timeline. */
export interface FailureEvent {
  readonly timeH: number;
  /** What failed, e.g. "node-crash". */
  readonly kind: string;
  /** Which component, e.g. "r03n17". */
  readonly target: string;
  /** How long the outage lasted, when it ended within the horizon. */
  readonly durationH: number | null;
}

/** One replication of one strategy. */
export interface RunRecord {
  readonly strategy: string;
  readonly replication: number;
  /** The seed this replication's streams derive from (shared by all strategies). */
  readonly seed: number;
  readonly metrics: MetricValues;
}

/** Time series and failures of one replication (every replication keeps its own). */
export interface RunTrace {
  readonly strategy: string;
  readonly replication: number;
  /** Fraction of GPUs (without GPUs, nodes) busy; a service scenario's goodput ratio (see `seriesLabels`). */
  readonly utilization: readonly SeriesPoint[];
  /** Jobs waiting; a service scenario's requests waiting at its replicas. */
  readonly queueLength: readonly SeriesPoint[];
  readonly failures: readonly FailureEvent[];
  /** GPU utilisation of each pool of the cluster; absent without pools. */
  readonly pools?: readonly { readonly name: string; readonly gpuUtilization: number }[];
}

/** Statistics of one metric across the replications of one strategy. */
export interface MetricSummary {
  readonly mean: number;
  /** 95% confidence interval of the mean (Student t); equal to the mean with one run. */
  readonly ci95: readonly [number, number];
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
}

/**
 * A strategy's metric minus the first strategy's, replication by replication: common random
 * numbers make each replication a pair, so the difference's CI is far tighter than the
 * two means' CIs side by side.
 */
export interface PairedDifference {
  /** Mean of (this − first) over the pairs. */
  readonly mean: number;
  /** 95% CI of that mean (Student t); significant when it excludes 0. */
  readonly ci95: readonly [number, number];
  /** Pairs where both strategies exercised the metric. */
  readonly pairs: number;
}

export interface StrategySummary {
  readonly name: string;
  /** Null for a metric the scenario does not exercise. */
  readonly metrics: Readonly<Record<MetricName, MetricSummary | null>>;
  /** Against the first strategy (absent for the first itself); null where a metric has no pairs. */
  readonly versusFirst?: Readonly<Record<MetricName, PairedDifference | null>>;
}

/** summary.json, as DESIGN.md fixes it. */
export interface Summary {
  readonly scenario: string;
  readonly seed: number;
  readonly replications: number;
  readonly faultlineVersion: string;
  /** What cost metrics are in (cluster.currency, ISO 4217); absent for a service scenario, which has no costs. */
  readonly currency?: string;
  readonly strategies: readonly StrategySummary[];
}

/** What the scenario's question is decided on: one metric, or a net of metrics summed. */
export interface ObjectiveRecord {
  readonly direction: "minimize" | "maximize";
  readonly metrics: readonly MetricName[];
}

/** One job of a strategy's first replication: a row of jobs.csv. */
export interface JobRecord extends JobLogEntry {
  readonly strategy: string;
}

/** One event record of a strategy's first replication: a line of events.jsonl. */
export type EventRecord = { readonly strategy: string; readonly timeUs?: unknown } & Readonly<Record<string, unknown>>;

/** Everything a report is built from. */
export interface ResultSet {
  readonly summary: Summary;
  /** The question the scenario asks (its description). */
  readonly description: string;
  readonly horizonH: number;
  readonly runs: readonly RunRecord[];
  readonly traces: readonly RunTrace[];
  /** jobs.csv's rows: each strategy's first replication (cluster scenarios); not read back by reports. */
  readonly jobs?: readonly JobRecord[];
  /** events.jsonl's lines, with `run --records`; not read back by reports. */
  readonly events?: readonly EventRecord[];
  /** The scenario's objective, when it declares one. */
  readonly objective?: ObjectiveRecord;
}
