/**
 * The verdict: what each strategy changes against the first (the baseline), in sentences
 * that the HTML and Markdown reports share. With paired differences (common random numbers:
 * replication r of each strategy shares its seed) a difference is significant when its
 * paired 95% CI excludes 0. Otherwise a difference counts as significant when the 95%
 * confidence intervals of the two means do not overlap. That is conservative (two means can
 * differ at the 5% level while their intervals still overlap a little) and easy to check
 * by eye in the table, which is why the reports use it rather than a t-test.
 */

import { changeBetween, metricValues } from "../runner/gate.js";
import { meanAndVariance } from "../sim/statistics.js";
import { cisOverlap } from "./compare.js";
import { ciHalfWidth, formatMetric, formatPercent, roundForOutput } from "./format.js";
import type { MetricName, MetricSummary, PairedDifference, ResultSet, StrategySummary, Summary } from "./records.js";
import { METRIC_BETTER, METRIC_NAMES } from "./records.js";

/** At most this many metric sentences per strategy: the most significant differences. */
export const VERDICT_METRICS_MAX = 4;

/** One judged metric of one strategy against the baseline. */
export interface MetricComparison {
  readonly metric: MetricName;
  readonly baselineMean: number;
  readonly mean: number;
  /** (mean − baseline) / |baseline|; null when the baseline mean is 0. */
  readonly relative: number | null;
  /** False when the means (as written to summary.json) are equal. */
  readonly changed: boolean;
  /**
   * The paired difference's 95% CI excludes 0 (or, without pairs, the two CIs do not
   * overlap); never true with a single replication.
   */
  readonly significant: boolean;
  /** The paired difference against the baseline, when there are at least two pairs. */
  readonly paired: PairedDifference | null;
  /** `paired` holds a Welch interval of two unpaired samples (faultline compare), not pairs. */
  readonly unpaired?: true;
  /** The change goes the way METRIC_BETTER prefers. */
  readonly better: boolean;
  /** |difference| / (sum of CI half-widths): how far apart the intervals sit. */
  readonly separation: number;
}

/**
 * One paragraph per strategy after the first, comparing it with the first on the metrics
 * that have a better direction and are exercised by both. Empty with fewer than two
 * strategies.
 */
export function verdicts(summary: Summary): string[] {
  if (summary.strategies.length < 2) return [];
  const baseline = summary.strategies[0];
  const single = summary.replications < 2;
  return summary.strategies
    .slice(1)
    .map((strategy) => verdictParagraph(baseline, strategy, single));
}

/**
 * Indices (into `summary.strategies`) of the strategies significantly better than the first
 * on a metric, as the verdict judges them: what the reports' tables mark. Nothing is marked
 * where intervals cannot tell strategies apart, so a mark is a claim the verdict makes too.
 */
export function significantlyBetterIndices(summary: Summary, metric: MetricName): number[] {
  const better = METRIC_BETTER[metric];
  const base = summary.strategies[0]?.metrics[metric] ?? null;
  if (better === "neither" || base === null) return [];
  const single = summary.replications < 2;
  const indices: number[] = [];
  summary.strategies.forEach((strategy, index) => {
    const stats = strategy.metrics[metric];
    if (index === 0 || stats === null) return;
    const comparison = compareMetric(metric, better, base, stats, single, strategy.versusFirst?.[metric] ?? null);
    if (comparison.significant && comparison.better) indices.push(index);
  });
  return indices;
}

/** The judged comparisons of `strategy` against `baseline`, in METRIC_NAMES order. */
export function compareWithBaseline(
  baseline: StrategySummary,
  strategy: StrategySummary,
  single: boolean,
): MetricComparison[] {
  const result: MetricComparison[] = [];
  for (const metric of METRIC_NAMES) {
    const better = METRIC_BETTER[metric];
    if (better === "neither") continue;
    const base = baseline.metrics[metric];
    const other = strategy.metrics[metric];
    if (base === null || other === null) continue;
    result.push(compareMetric(metric, better, base, other, single, strategy.versusFirst?.[metric] ?? null));
  }
  return result;
}

function compareMetric(
  metric: MetricName,
  better: "higher" | "lower",
  base: MetricSummary,
  other: MetricSummary,
  single: boolean,
  paired: PairedDifference | null,
): MetricComparison {
  // Compare what the files say, so float noise in the last bit is never a "change".
  const baselineMean = roundForOutput(base.mean);
  const mean = roundForOutput(other.mean);
  const difference = mean - baselineMean;
  const changed = difference !== 0;
  const spread = ciHalfWidth(base) + ciHalfWidth(other);
  return {
    metric,
    baselineMean,
    mean,
    relative: baselineMean === 0 ? null : difference / Math.abs(baselineMean),
    changed,
    // Paired differences (same seeds) when there are enough pairs; else the two CIs.
    significant:
      changed && !single && (paired !== null && paired.pairs >= 2 ? excludesZero(paired) : !cisOverlap(base, other)),
    paired: paired !== null && paired.pairs >= 2 ? paired : null,
    better: changed && (better === "higher" ? difference > 0 : difference < 0),
    separation: !changed ? 0 : spread > 0 ? Math.abs(difference) / spread : Number.POSITIVE_INFINITY,
  };
}

/**
 * A comparison judged on a given difference and its 95% CI (paired, or Welch's for two
 * unpaired samples): significant when the CI excludes 0. For `faultline compare`.
 */
export function compareOnDifference(
  metric: MetricName,
  better: "higher" | "lower",
  baselineMean: number,
  mean: number,
  difference: PairedDifference,
  unpaired: boolean,
): MetricComparison {
  const base = roundForOutput(baselineMean);
  const other = roundForOutput(mean);
  const change = other - base;
  const changed = change !== 0;
  const halfWidth = (difference.ci95[1] - difference.ci95[0]) / 2;
  return {
    metric,
    baselineMean: base,
    mean: other,
    relative: base === 0 ? null : change / Math.abs(base),
    changed,
    significant: changed && difference.pairs >= 2 && excludesZero(difference),
    paired: difference,
    ...(unpaired ? { unpaired: true as const } : {}),
    better: changed && (better === "higher" ? change > 0 : change < 0),
    separation: !changed ? 0 : halfWidth > 0 ? Math.abs(change) / halfWidth : Number.POSITIVE_INFINITY,
  };
}

function excludesZero(difference: PairedDifference): boolean {
  return difference.ci95[0] > 0 || difference.ci95[1] < 0;
}

/** Most significant first: non-overlapping CIs, then separation, then size, then name order. */
function byImportance(a: MetricComparison, b: MetricComparison): number {
  if (a.significant !== b.significant) return a.significant ? -1 : 1;
  if (a.separation !== b.separation) return b.separation - a.separation;
  const sizeA = Math.abs(a.relative ?? 0);
  const sizeB = Math.abs(b.relative ?? 0);
  if (sizeA !== sizeB) return sizeB - sizeA;
  return METRIC_NAMES.indexOf(a.metric) - METRIC_NAMES.indexOf(b.metric);
}

function verdictParagraph(
  baseline: StrategySummary,
  strategy: StrategySummary,
  single: boolean,
): string {
  return comparisonParagraph(strategy.name, baseline.name, compareWithBaseline(baseline, strategy, single), single);
}

/** The verdict on one strategy (`name`) against another (`base`) from its judged comparisons. */
export function comparisonParagraph(
  name: string,
  base: string,
  comparisons: readonly MetricComparison[],
  single: boolean,
): string {
  if (comparisons.length === 0) {
    return `No metric with a better direction is exercised by both ${name} and ${base}.`;
  }
  const changed = comparisons.filter((c) => c.changed).sort(byImportance);
  const sentences: string[] = [leadSentence(name, base, comparisons, single)];
  const shown = changed.slice(0, VERDICT_METRICS_MAX);
  for (const comparison of shown) sentences.push(metricSentence(name, base, comparison, single));
  // Significant differences beyond the shown few are named, not hidden behind a count.
  const more = changed.slice(shown.length).filter((c) => c.significant);
  if (more.length > 0) {
    const listed = more.map((c) => `${c.metric} (${c.better ? "better" : "worse"})`).join(", ");
    sentences.push(`${more.length} more ${plural(more.length, "metric differs", "metrics differ")} significantly: ${listed}.`);
  }
  return sentences.join(" ");
}

function leadSentence(
  name: string,
  base: string,
  comparisons: readonly MetricComparison[],
  single: boolean,
): string {
  const total = comparisons.length;
  const of = `of the ${total} judged ${plural(total, "metric", "metrics")} both exercise`;
  if (single) {
    const better = comparisons.filter((c) => c.better).length;
    const worse = comparisons.filter((c) => c.changed && !c.better).length;
    return `Against ${base} (one replication, so no confidence intervals), ${name} is better on ${better} and worse on ${worse} ${of}.`;
  }
  const better = comparisons.filter((c) => c.significant && c.better).length;
  const worse = comparisons.filter((c) => c.significant && !c.better).length;
  if (better === 0 && worse === 0) {
    return `Against ${base}, ${name} differs significantly on none ${of}.`;
  }
  return `Against ${base}, ${name} is significantly better on ${better} and significantly worse on ${worse} ${of}.`;
}

/**
 * E.g. "fixed-30m lowers lost_work_gpu_h by 31% vs no-checkpoint (95% CIs do not overlap)."
 * or "… vs no-checkpoint, difference not significant: CIs overlap."
 */
export function metricSentence(
  name: string,
  base: string,
  comparison: MetricComparison,
  single: boolean,
): string {
  const { metric, relative, mean, baselineMean } = comparison;
  const verb = mean > baselineMean ? "raises" : "lowers";
  const change =
    relative === null
      ? `${verb} ${metric} from ${formatMetric(metric, baselineMean)} to ${formatMetric(metric, mean)}`
      : `${verb} ${metric} by ${formatPercent(relative)}`;
  if (single) return `${name} ${change} vs ${base} (one replication: no confidence interval).`;
  const paired = comparison.paired;
  if (paired !== null) {
    const kind = comparison.unpaired === true ? "" : "paired ";
    const tail = comparison.significant
      ? ` vs ${base} (${comparison.unpaired === true ? "Welch's t, unpaired" : `paired over ${paired.pairs} replications`}).`
      : ` vs ${base}: difference not significant (the ${kind}95% CI includes 0).`;
    // A share of the baseline only where its whole CI is one: a change below −100% would
    // take the metric past zero, so such a CI says nothing as a percentage.
    const relativeLow = relative === null ? null : paired.ci95[0] / Math.abs(baselineMean);
    if (relativeLow !== null && relativeLow > -1) {
      return `${name} ${change} [CI ${percentRange(paired.ci95, baselineMean, mean > baselineMean)}]${tail}`;
    }
    // Otherwise the absolute difference, signed as in summary.json, with its CI.
    const from = `${verb} ${metric} from ${formatMetric(metric, baselineMean)} to ${formatMetric(metric, mean)}`;
    const difference = `${signedMetric(metric, paired.mean)} [CI ${signedMetric(metric, paired.ci95[0])} to ${signedMetric(metric, paired.ci95[1])}]`;
    return `${name} ${from}, a difference of ${difference}${tail}`;
  }
  const claim = `${name} ${change} vs ${base}`;
  if (comparison.significant) return `${claim} (95% CIs do not overlap).`;
  return `${claim}, difference not significant: CIs overlap.`;
}

/** A CI of a difference as percentages of the baseline, in the claim's direction. */
function percentRange(ci95: readonly [number, number], baselineMean: number, raises: boolean): string {
  const scale = 100 / Math.abs(baselineMean);
  const [lo, hi] = raises ? [ci95[0] * scale, ci95[1] * scale] : [-ci95[1] * scale, -ci95[0] * scale];
  // formatPercent's precision, keeping the sign: a CI may straddle 0.
  const format = (value: number): string => `${Math.abs(value) >= 9.95 ? Math.round(value) : value.toFixed(1)}%`;
  return `${format(lo)}–${format(hi)}`;
}

/** A difference with its sign: "+6,294", "-960", "0". */
export function signedMetric(metric: MetricName, value: number): string {
  const text = formatMetric(metric, value);
  return value > 0 ? `+${text}` : text;
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/**
 * The verdict's first line when the scenario declares an objective: which strategy wins on
 * it, by how much against the runner-up, with the 95% CI of that difference (paired:
 * every strategy ran on the same seeds) and whether it is significant. E.g. "Objective
 * (minimize net lost_work_gpu_h + checkpoint_overhead_gpu_h): fixed-1h wins with 9,412
 * against 47,790 for no-checkpoint, 38,378 lower [CI 30,700 to 46,100]: significant
 * (paired over 10 replications)." Null without an objective or a second strategy.
 */
export function objectiveSentence(results: ResultSet): string | null {
  const objective = results.objective;
  if (objective === undefined) return null;
  const { direction, metrics } = objective;
  const unit = metrics[0];
  const name = metrics.length === 1 ? `${direction} ${unit}` : `${direction} net ${metrics.join(" + ")}`;
  const ranked = results.summary.strategies
    .map((strategy) => ({ name: strategy.name, runs: results.runs.filter((run) => run.strategy === strategy.name) }))
    .map((entry) => ({ ...entry, values: metricValues(entry.runs, metrics) }))
    .filter((entry) => entry.values.length > 0)
    .map((entry) => ({ ...entry, mean: roundForOutput(meanAndVariance(entry.values).mean) }))
    // Best first; ties keep the scenario's order.
    .sort((a, b) => (direction === "minimize" ? a.mean - b.mean : b.mean - a.mean));
  if (ranked.length < 2) return null;
  const [winner, runnerUp] = ranked;
  const lead = `Objective (${name}):`;
  if (winner.mean === runnerUp.mean) {
    return `${lead} ${winner.name} and ${runnerUp.name} tie at ${formatMetric(unit, winner.mean)}.`;
  }
  const against = `with ${formatMetric(unit, winner.mean)} against ${formatMetric(unit, runnerUp.mean)} for ${runnerUp.name}`;
  const claim = `${lead} ${winner.name} wins ${against}`;
  const word = direction === "minimize" ? "lower" : "higher";
  const amount = Math.abs(winner.mean - runnerUp.mean);
  if (winner.values.length < 2 || runnerUp.values.length < 2) {
    return `${claim}, ${formatMetric(unit, amount)} ${word} (one replication: no confidence interval).`;
  }
  // The winner's advantage, signed so that positive is better, and its two-sided 95% CI.
  const change = changeBetween(runnerUp.runs, winner.runs, metrics, 0.975);
  const sign = direction === "minimize" ? -1 : 1;
  const advantage = sign * change.change;
  const [low, high] = [advantage - change.halfWidth, advantage + change.halfWidth];
  const interval = `${formatMetric(unit, advantage)} ${word} [CI ${formatMetric(unit, low)} to ${formatMetric(unit, high)}]`;
  const test = change.test === "paired-t" ? `paired over ${change.samples} replications` : "Welch's t";
  return low > 0
    ? `${claim}, ${interval}: significant (${test}).`
    : `${lead} ${winner.name} leads ${against}, ${interval}: not significant (the 95% CI includes 0; ${test}), so no strategy wins yet.`;
}

/** The causes a running job's slowness is booked to, as a report names them. */
const SLOWDOWN_CAUSES = [
  { metric: "slowdown_fabric_gpu_h", cause: "the fabric" },
  { metric: "slowdown_thermal_gpu_h", cause: "heat-throttled clocks" },
  { metric: "slowdown_degraded_gpu_h", cause: "degrading nodes" },
  { metric: "slowdown_storage_gpu_h", cause: "a contended filesystem" },
] as const;

/**
 * Per strategy, what held running jobs back, as shares of the GPU-hours they held (means
 * over replications): "first-fit: jobs lost 18% of their GPU time to heat-throttled clocks,
 * 0.4% to the fabric; heat-throttled clocks held them back most." Strategies without GPUs
 * say nothing.
 */
export function limitingResources(summary: Summary): string[] {
  const lines: string[] = [];
  for (const strategy of summary.strategies) {
    const busy = strategy.metrics.busy_gpu_h?.mean ?? 0;
    if (!(busy > 0)) continue;
    const shares = SLOWDOWN_CAUSES.map(({ metric, cause }) => ({ cause, share: (strategy.metrics[metric]?.mean ?? 0) / busy })).filter(
      ({ share }) => share > 0,
    );
    if (shares.length === 0) {
      lines.push(`${strategy.name}: nothing slowed running jobs.`);
      continue;
    }
    const [first, ...rest] = [...shares].sort((a, b) => b.share - a.share);
    const others = rest.map(({ cause, share }) => `, ${formatShare(share)} to ${cause}`).join("");
    const most = rest.length === 0 ? "" : `; ${first.cause} held them back most`;
    lines.push(`${strategy.name}: jobs lost ${formatShare(first.share)} of their GPU time to ${first.cause}${others}${most}.`);
  }
  return lines;
}

/** A share as a percentage: whole from 10%, one decimal below, "<0.1%" for a trace. */
function formatShare(share: number): string {
  const percent = share * 100;
  if (percent < 0.1) return "<0.1%";
  return percent >= 10 ? `${Math.round(percent)}%` : `${percent.toFixed(1)}%`;
}
