/**
 * `faultline compare A B`: two saved result sets side by side, metric by metric. Each
 * strategy of B is set against A's strategy of the same name (or, when they share no name,
 * against A's first), and judged as the verdict judges strategies within one run: paired
 * when both ran the same scenario on the same seeds, else by Welch's t; significant when
 * the difference's 95% CI excludes 0.
 */

import { changeBetween, metricValues } from "../runner/gate.js";
import { meanAndVariance } from "../sim/statistics.js";
import { formatMetric, roundForOutput } from "./format.js";
import type { MetricName, RunRecord, Summary } from "./records.js";
import { METRIC_BETTER, METRIC_NAMES } from "./records.js";
import { alignColumns, sanitizeTerminal } from "./text.js";
import { comparisonParagraph, compareOnDifference, signedMetric, type MetricComparison } from "./verdict.js";

/** One result folder as compare reads it. */
export interface ComparedSet {
  /** How sentences and columns name it: the folder's name, or A and B when both are alike. */
  readonly label: string;
  readonly folder: string;
  readonly summary: Summary;
  readonly runs: readonly RunRecord[];
}

export interface MetricDifference {
  readonly metric: MetricName;
  readonly meanA: number;
  readonly meanB: number;
  /** B − A, and its 95% CI; null with a single replication on either side. */
  readonly difference: number;
  readonly ci95: readonly [number, number] | null;
  readonly test: "paired-t" | "welch-t" | null;
  readonly samples: number;
  /** Null for a metric with no better direction (not judged). */
  readonly judged: MetricComparison | null;
}

export interface StrategyComparison {
  readonly strategyA: string;
  readonly strategyB: string;
  readonly metrics: readonly MetricDifference[];
  /** The verdict paragraph, as the reports write one. */
  readonly verdict: string;
}

export interface FolderComparison {
  readonly a: ComparedSet;
  readonly b: ComparedSet;
  /** Whether the comparison could pair replications (same scenario, same seeds). */
  readonly paired: boolean;
  readonly strategies: readonly StrategyComparison[];
}

/** The two-sided 95% CI is the pair of one-sided 97.5% bounds. */
const TWO_SIDED_95 = 0.975;

export function compareFolders(a: ComparedSet, b: ComparedSet): FolderComparison {
  const namesA = a.summary.strategies.map((strategy) => strategy.name);
  const strategies = b.summary.strategies.map((strategyB) => {
    const strategyA = namesA.includes(strategyB.name) ? strategyB.name : namesA[0];
    return compareStrategy(a, b, strategyA, strategyB.name);
  });
  const paired = strategies.some((s) => s.metrics.some((m) => m.test === "paired-t"));
  return { a, b, paired, strategies };
}

function compareStrategy(a: ComparedSet, b: ComparedSet, strategyA: string, strategyB: string): StrategyComparison {
  // Only runs of the same scenario can share random numbers; another's seeds mean nothing here.
  const sameScenario = a.summary.scenario === b.summary.scenario;
  const runsA = a.runs.filter((run) => run.strategy === strategyA);
  const runsB = b.runs.filter((run) => run.strategy === strategyB).map((run) => (sameScenario ? run : { ...run, seed: -1 }));
  const single = runsA.length < 2 || runsB.length < 2;
  const metrics: MetricDifference[] = [];
  for (const metric of METRIC_NAMES) {
    const valuesA = metricValues(runsA, metric);
    const valuesB = metricValues(runsB, metric);
    if (valuesA.length === 0 || valuesB.length === 0) continue;
    const meanA = meanAndVariance(valuesA).mean;
    const meanB = meanAndVariance(valuesB).mean;
    const change = single ? null : changeBetween(runsA, runsB, metric, TWO_SIDED_95);
    const ci95 = change === null ? null : ([change.change - change.halfWidth, change.change + change.halfWidth] as const);
    const better = METRIC_BETTER[metric];
    const judged =
      better === "neither"
        ? null
        : compareOnDifference(
            metric,
            better,
            meanA,
            meanB,
            { mean: change?.change ?? meanB - meanA, ci95: ci95 ?? [meanB - meanA, meanB - meanA], pairs: change?.samples ?? 1 },
            change?.test === "welch-t",
          );
    metrics.push({
      metric,
      meanA,
      meanB,
      difference: change?.change ?? meanB - meanA,
      ci95,
      test: change?.test ?? null,
      samples: change?.samples ?? Math.min(valuesA.length, valuesB.length),
      judged,
    });
  }
  const nameA = `${a.label}:${strategyA}`;
  const nameB = `${b.label}:${strategyB}`;
  const judged = metrics.flatMap((m) => (m.judged === null ? [] : [m.judged]));
  return { strategyA, strategyB, metrics, verdict: comparisonParagraph(nameB, nameA, judged, single) };
}

function differenceText(m: MetricDifference): string {
  // A CI that is a point (no variation in the differences) says nothing more than the difference.
  const ci = m.ci95 === null || m.ci95[0] === m.ci95[1] ? "" : ` [${signedMetric(m.metric, m.ci95[0])} to ${signedMetric(m.metric, m.ci95[1])}]`;
  return `${signedMetric(m.metric, m.difference)}${ci}`;
}

function verdictText(m: MetricDifference): string {
  if (m.judged === null) return "not judged";
  if (!m.judged.changed) return "same";
  if (!m.judged.significant) return "not significant";
  return m.judged.better ? "better" : "worse";
}

/** The comparison for a terminal: a table per strategy pair, then the verdicts. */
export function folderComparisonText(comparison: FolderComparison): string {
  const { a, b } = comparison;
  const lines: string[] = [
    `A: ${sanitizeTerminal(a.folder)} (${sanitizeTerminal(a.summary.scenario)}, seed ${a.summary.seed}, ${a.summary.replications} replications)`,
    `B: ${sanitizeTerminal(b.folder)} (${sanitizeTerminal(b.summary.scenario)}, seed ${b.summary.seed}, ${b.summary.replications} replications)`,
    comparison.paired
      ? "Same scenario on the same seeds: differences are paired replication by replication (95% CI by paired t)."
      : "Not the same scenario and seeds: the two samples are compared unpaired (95% CI by Welch's t).",
  ];
  for (const strategy of comparison.strategies) {
    lines.push("", `${sanitizeTerminal(strategy.strategyB)} (B) vs ${sanitizeTerminal(strategy.strategyA)} (A)`);
    const header = ["metric", "A", "B", "B − A [95% CI]", "verdict"];
    const rows = strategy.metrics.map((m) => [m.metric, formatMetric(m.metric, m.meanA), formatMetric(m.metric, m.meanB), differenceText(m), verdictText(m)]);
    lines.push(...alignColumns([header, ...rows]));
  }
  lines.push("", "Verdict:");
  for (const strategy of comparison.strategies) lines.push("", sanitizeTerminal(strategy.verdict));
  return `${lines.join("\n")}\n`;
}

/** The comparison as JSON, numbers as the result files hold them. */
export function folderComparisonJson(comparison: FolderComparison): string {
  const side = (set: ComparedSet) => ({ folder: set.folder, scenario: set.summary.scenario, seed: set.summary.seed, replications: set.summary.replications });
  return `${JSON.stringify(
    {
      a: side(comparison.a),
      b: side(comparison.b),
      paired: comparison.paired,
      strategies: comparison.strategies.map((strategy) => ({
        strategyA: strategy.strategyA,
        strategyB: strategy.strategyB,
        metrics: strategy.metrics.map((m) => ({
          metric: m.metric,
          meanA: roundForOutput(m.meanA),
          meanB: roundForOutput(m.meanB),
          difference: roundForOutput(m.difference),
          ci95: m.ci95 === null ? null : m.ci95.map(roundForOutput),
          test: m.test,
          samples: m.samples,
          verdict: verdictText(m),
        })),
        verdict: strategy.verdict,
      })),
    },
    null,
    2,
  )}\n`;
}
