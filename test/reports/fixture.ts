/**
 * A small hand-made result set for the report tests: three checkpoint strategies, three
 * replications, a handful of exercised metrics. The numbers are chosen so the verdicts
 * read like a story: fixed-30m loses 31% less work than no-checkpoint (intervals apart),
 * daly loses 3% less (intervals overlap).
 */

import type {
  FailureEvent,
  MetricName,
  MetricSummary,
  MetricValues,
  ResultSet,
  RunRecord,
  RunTrace,
  SeriesPoint,
  StrategySummary,
  Summary,
} from "../../reports/records.js";
import { METRIC_NAMES } from "../../reports/records.js";

/** Every metric null. */
export function nullMetrics<T>(): Record<MetricName, T | null> {
  const metrics = {} as Record<MetricName, T | null>;
  for (const metric of METRIC_NAMES) metrics[metric] = null;
  return metrics;
}

/** A summary with the given mean and CI half-width; quartiles spread around the mean. */
export function stats(mean: number, halfWidth: number): MetricSummary {
  return {
    mean,
    ci95: [mean - halfWidth, mean + halfWidth],
    min: mean - 3 * halfWidth,
    q1: mean - halfWidth,
    median: mean,
    q3: mean + halfWidth,
    max: mean + 3 * halfWidth,
  };
}

type StatsTable = Partial<Record<MetricName, MetricSummary>>;

export function strategy(name: string, metrics: StatsTable): StrategySummary {
  return { name, metrics: { ...nullMetrics<MetricSummary>(), ...metrics } };
}

/** The metrics each strategy of the fixture exercises; everything else is null. */
export const FIXTURE_STATS: Readonly<Record<string, StatsTable>> = {
  "no-checkpoint": {
    jobs_submitted: stats(360, 0),
    jobs_completed: stats(300, 6),
    job_failure_rate: stats(0.12, 0.01),
    gpu_utilization: stats(0.71, 0.02),
    lost_work_gpu_h: stats(100, 5),
    cost_total: stats(125000, 2500),
    makespan_h: stats(700, 10),
  },
  "fixed-30m": {
    jobs_submitted: stats(360, 0),
    jobs_completed: stats(330, 5),
    job_failure_rate: stats(0.05, 0.01),
    gpu_utilization: stats(0.75, 0.02),
    lost_work_gpu_h: stats(69, 4),
    checkpoint_overhead_gpu_h: stats(12.5, 0.5),
    cost_total: stats(126000, 2500),
    makespan_h: stats(690, 10),
  },
  daly: {
    jobs_submitted: stats(360, 0),
    jobs_completed: stats(320, 6),
    job_failure_rate: stats(0.06, 0.01),
    gpu_utilization: stats(0.74, 0.02),
    lost_work_gpu_h: stats(97, 6),
    checkpoint_overhead_gpu_h: stats(8.25, 0.4),
    cost_total: stats(125500, 2500),
    makespan_h: stats(695, 10),
  },
};

/** Metrics that at least one fixture strategy exercises. */
export const FIXTURE_SHOWN_METRICS: readonly MetricName[] = METRIC_NAMES.filter((metric) =>
  Object.values(FIXTURE_STATS).some((table) => table[metric] !== undefined),
);

export const FIXTURE_SEED = 42;
export const FIXTURE_REPLICATIONS = 3;

/** Three runs per strategy at mean − halfWidth, mean, mean + halfWidth (null stays null). */
function runsFor(name: string, table: StatsTable): RunRecord[] {
  return [0, 1, 2].map((replication) => {
    const metrics = nullMetrics<number>();
    for (const metric of METRIC_NAMES) {
      const s = table[metric];
      if (s !== undefined) metrics[metric] = s.mean + (replication - 1) * (s.ci95[1] - s.mean);
    }
    return { strategy: name, replication, seed: FIXTURE_SEED + replication, metrics: metrics as MetricValues };
  });
}

function steps(values: readonly number[], everyH: number): SeriesPoint[] {
  return values.map((value, i) => ({ timeH: i * everyH, value }));
}

function failure(timeH: number, kind: string, target: string, durationH: number | null): FailureEvent {
  return { timeH, kind, target, durationH };
}

const FAILURES: readonly FailureEvent[] = [
  failure(30, "node-crash", "r01n03", 2),
  failure(95.5, "gpu-xid", "r02n11", null),
  failure(200, "spot-preemption", "r15n01", 0.5),
  failure(410, "node-crash", "r07n22", 4),
  failure(655, "gpu-xid", "r02n11", null),
];

function traceFor(name: string, index: number): RunTrace {
  return {
    strategy: name,
    replication: 0,
    utilization: steps([0, 0.6, 0.8 - index * 0.05, 0.75, 0.9, 0.7], 120),
    queueLength: steps([0, 12, 30 + index * 4, 18, 9, 4], 120),
    // Common random numbers: every strategy sees the same failures.
    failures: FAILURES,
  };
}

/** A result set with the fixture's strategies, optionally renamed (same numbers). */
export function fixtureResults(names: readonly string[] = Object.keys(FIXTURE_STATS)): ResultSet {
  const tables = Object.values(FIXTURE_STATS);
  const summary: Summary = {
    scenario: "spot-checkpoint-cadence",
    seed: FIXTURE_SEED,
    replications: FIXTURE_REPLICATIONS,
    faultlineVersion: "0.1.0",
    strategies: names.map((name, i) => strategy(name, tables[i % tables.length])),
  };
  return {
    summary,
    description: "Which checkpoint cadence minimises cost per finished job on spot GPUs?",
    horizonH: 720,
    runs: names.flatMap((name, i) => runsFor(name, tables[i % tables.length])),
    traces: names.map((name, i) => traceFor(name, i)),
  };
}
