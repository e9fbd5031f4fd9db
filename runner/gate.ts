import { meanAndVariance, studentTQuantile } from "../sim/statistics.js";
import { METRIC_BETTER, METRIC_NAMES, type MetricName, type RunRecord } from "../reports/records.js";
import type { AbsoluteJudgement, GateJudgement, UngatedChange } from "../reports/regress.js";
import type { Gates } from "../scenarios/schema.js";

/**
 * The regression gate's judgement. Each gated (strategy, metric) compares the current runs
 * with the baseline's. When both ran on the same seeds (common random numbers) the
 * differences are paired replication by replication; otherwise the two samples are
 * compared by Welch's t. Let "worsening" be the change in the bad direction. A gate
 * regresses when the one-sided lower confidence bound of the mean worsening is above the
 * tolerance: the data say, at the gate's confidence, that it got worse by more than
 * allowed. So with no real change the false-alarm rate is at most 1 − confidence (less,
 * since the tolerance is above zero), and the same code and seed give the same verdict.
 */
export function judge(
  gates: Gates,
  strategyNames: readonly string[],
  baseline: readonly RunRecord[],
  current: readonly RunRecord[],
): { judgements: GateJudgement[]; ungated: UngatedChange[] } {
  const judgements: GateJudgement[] = [];
  const gated = new Set<string>();
  for (const gate of gates.metrics) {
    const tolerance = gate.tolerance;
    if (tolerance === undefined) continue; // An absolute gate: see checkAbsoluteGates.
    const better = gate.better ?? (METRIC_BETTER[gate.metric] as "lower" | "higher");
    for (const strategy of gate.strategies ?? strategyNames) {
      gated.add(`${strategy}\u0000${gate.metric}`);
      judgements.push(
        judgeOne(strategy, gate.metric, better, tolerance, gates.confidence, runsOf(baseline, strategy), runsOf(current, strategy)),
      );
    }
  }
  const ungated: UngatedChange[] = [];
  for (const strategy of strategyNames) {
    for (const metric of METRIC_NAMES) {
      if (gated.has(`${strategy}\u0000${metric}`)) continue;
      const before = metricValues(runsOf(baseline, strategy), metric);
      const after = metricValues(runsOf(current, strategy), metric);
      if (before.length === 0 || after.length === 0) continue;
      const baselineMean = meanAndVariance(before).mean;
      const currentMean = meanAndVariance(after).mean;
      if (baselineMean !== currentMean) ungated.push({ strategy, metric, baselineMean, currentMean });
    }
  }
  return { judgements, ungated };
}

function runsOf(runs: readonly RunRecord[], strategy: string): RunRecord[] {
  return runs.filter((run) => run.strategy === strategy);
}

/** A metric, or a net of metrics summed (an objective such as lost work + checkpoint overhead). */
export type MetricOrNet = MetricName | readonly MetricName[];

/** A run's value of a metric or net; null when the run lacks any part of it. */
export function runValue(run: RunRecord, metric: MetricOrNet): number | null {
  let sum = 0;
  for (const part of typeof metric === "string" ? [metric] : metric) {
    const value = run.metrics[part];
    // A baseline from an older faultline may lack a metric: undefined, like null, is no value.
    if (typeof value !== "number") return null;
    sum += value;
  }
  return sum;
}

export function metricValues(runs: readonly RunRecord[], metric: MetricOrNet): number[] {
  return runs.map((run) => runValue(run, metric)).filter((value): value is number => value !== null);
}

function judgeOne(
  strategy: string,
  metric: MetricName,
  better: "lower" | "higher",
  tolerance: number | string,
  confidence: number,
  baseline: readonly RunRecord[],
  current: readonly RunRecord[],
): GateJudgement {
  const before = metricValues(baseline, metric);
  const after = metricValues(current, metric);
  const base = { strategy, metric, better, toleranceText: String(tolerance), confidence };
  if (before.length === 0 || after.length === 0) {
    return { ...base, tolerance: null, baselineMean: null, currentMean: null, change: null, bound: null, test: null, samples: 0, verdict: "no-data" };
  }
  const baselineMean = meanAndVariance(before).mean;
  const currentMean = meanAndVariance(after).mean;
  const toleranceValue =
    typeof tolerance === "number" ? tolerance : (Number(tolerance.slice(0, -1)) / 100) * Math.abs(baselineMean);
  const { change, halfWidth, test, samples } = changeBetween(baseline, current, metric, confidence);
  // Worsening is the change in the bad direction; its bounds at the gate's confidence.
  const sign = better === "lower" ? 1 : -1;
  const worsening = sign * change;
  const verdict =
    worsening - halfWidth > toleranceValue ? "regressed" : worsening + halfWidth < -toleranceValue ? "improved" : "ok";
  return {
    ...base,
    tolerance: toleranceValue,
    baselineMean,
    currentMean,
    change,
    bound: halfWidth,
    test,
    samples,
    verdict,
  };
}

/**
 * Current minus baseline on a metric, with the half-width of its interval at a one-sided
 * `confidence` (0.975 gives the two-sided 95% CI): paired when both ran on the same seeds,
 * else Welch's t. Both must hold values of the metric.
 */
export function changeBetween(baseline: readonly RunRecord[], current: readonly RunRecord[], metric: MetricOrNet, confidence: number): Change {
  const paired = pairedDifferences(baseline, current, metric);
  return paired === null ? welch(metricValues(baseline, metric), metricValues(current, metric), confidence) : pairedChange(paired, confidence);
}

/**
 * Current minus baseline, replication by replication, when every replication of both ran
 * on the same seed (common random numbers); null when they did not (another --seed).
 */
function pairedDifferences(baseline: readonly RunRecord[], current: readonly RunRecord[], metric: MetricOrNet): number[] | null {
  if (baseline.length !== current.length) return null;
  const differences: number[] = [];
  for (const run of current) {
    const twin = baseline.find((other) => other.replication === run.replication);
    if (twin === undefined || twin.seed !== run.seed) return null;
    const before = runValue(twin, metric);
    const after = runValue(run, metric);
    if (before !== null && after !== null) differences.push(after - before);
  }
  return differences.length >= 2 ? differences : null;
}

export interface Change {
  readonly change: number;
  /** Half-width of the interval whose ends are the one-sided bounds at the confidence. */
  readonly halfWidth: number;
  readonly test: "paired-t" | "welch-t";
  readonly samples: number;
}

function pairedChange(differences: readonly number[], confidence: number): Change {
  const { mean, variance } = meanAndVariance(differences);
  const n = differences.length;
  const halfWidth = variance === 0 ? 0 : studentTQuantile(confidence, n - 1) * Math.sqrt(variance / n);
  return { change: mean, halfWidth, test: "paired-t", samples: n };
}

function welch(before: readonly number[], after: readonly number[], confidence: number): Change {
  const a = meanAndVariance(before);
  const b = meanAndVariance(after);
  const va = a.variance / before.length;
  const vb = b.variance / after.length;
  const se = Math.sqrt(va + vb);
  let halfWidth = 0;
  if (se > 0) {
    // Welch–Satterthwaite degrees of freedom; a sample of one adds no variance estimate.
    const df = (va + vb) ** 2 / ((before.length > 1 ? va ** 2 / (before.length - 1) : 0) + (after.length > 1 ? vb ** 2 / (after.length - 1) : 0));
    halfWidth = studentTQuantile(confidence, Math.max(1, df)) * se;
  }
  return { change: b.mean - a.mean, halfWidth, test: "welch-t", samples: Math.min(before.length, after.length) };
}

/** Whether the scenario's gates include relative ones, which need a baseline to judge. */
export function hasRelativeGates(gates: Gates): boolean {
  return gates.metrics.some((gate) => gate.tolerance !== undefined);
}

/** The absolute gates (min, max): each of them, per strategy it names (default: all). */
function absoluteGates(gates: Gates, strategyNames: readonly string[]) {
  return gates.metrics.flatMap((gate) =>
    gate.min === undefined && gate.max === undefined
      ? []
      : (gate.strategies ?? strategyNames).filter((name) => strategyNames.includes(name)).map((strategy) => ({ ...gate, strategy })),
  );
}

/**
 * Replications an absolute gate with a confidence needs for its bound (a sample of one has
 * no variance); null when every gate can be judged with `replications`.
 */
export function absoluteGatesNeed(gates: Gates | undefined, replications: number): string | null {
  const gate = gates?.metrics.find((g) => (g.min !== undefined || g.max !== undefined) && g.confidence !== undefined);
  if (gate === undefined || replications >= 2) return null;
  return `the gate on ${gate.metric} judges a confidence bound, which needs at least 2 replications (this run has ${replications})`;
}

/**
 * The absolute gates' judgement on one run's records. A gate passes when the mean over the
 * replications (with a confidence, the one-sided bound on that mean at the confidence, by
 * Student t: the lower bound for a min, the upper for a max) stays within its min and max.
 * A metric the run did not exercise fails the gate (no-data): a gate cannot pass on nothing.
 */
export function checkAbsoluteGates(gates: Gates, strategyNames: readonly string[], runs: readonly RunRecord[]): AbsoluteJudgement[] {
  return absoluteGates(gates, strategyNames).map(({ strategy, metric, min, max, confidence }) => {
    const sample = metricValues(runsOf(runs, strategy), metric);
    const base = { strategy, metric, min: min ?? null, max: max ?? null, confidence: confidence ?? null, samples: sample.length };
    if (sample.length === 0 || (confidence !== undefined && sample.length < 2)) {
      return { ...base, mean: null, low: null, high: null, verdict: "no-data" as const };
    }
    const { mean, variance } = meanAndVariance(sample);
    const halfWidth =
      confidence === undefined || variance === 0 ? 0 : studentTQuantile(confidence, sample.length - 1) * Math.sqrt(variance / sample.length);
    const low = mean - halfWidth;
    const high = mean + halfWidth;
    const passes = (min === undefined || low >= min) && (max === undefined || high <= max);
    return { ...base, mean, low, high, verdict: passes ? ("ok" as const) : ("failed" as const) };
  });
}
