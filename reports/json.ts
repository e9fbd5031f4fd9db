/**
 * summary.json: the statistics of every metric per strategy, in DESIGN.md's key order.
 * The object is rebuilt key by key rather than serialised as given, so the bytes depend on
 * the values only, never on how the caller happened to build the record.
 */

import { roundForOutput } from "./format.js";
import type { MetricSummary, StrategySummary, Summary } from "./records.js";
import { METRIC_NAMES } from "./records.js";

/**
 * summary.json's text: 2-space indented JSON ending in a newline, keys in DESIGN.md's order
 * (`scenario, seed, replications, faultlineVersion, strategies[{ name, metrics }]`, metrics
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
