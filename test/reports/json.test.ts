import { describe, expect, it } from "vitest";

import { roundForOutput } from "../../reports/format.js";
import { resultSetFromFiles, summaryJson, tracesJson } from "../../reports/json.js";
import type { MetricName, MetricSummary, StrategySummary, Summary } from "../../reports/records.js";
import { METRIC_NAMES } from "../../reports/records.js";
import { fixtureResults, strategy } from "./fixture.js";

/** The same summary with every object's keys inserted in reverse. */
function reversedKeys(summary: Summary): Summary {
  const reverse = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).reverse()) as T;
  const strategies = summary.strategies.map((s) => {
    const metrics = {} as Record<MetricName, MetricSummary | null>;
    for (const metric of [...METRIC_NAMES].reverse()) {
      const stats = s.metrics[metric];
      metrics[metric] = stats === null ? null : reverse(stats);
    }
    return reverse<StrategySummary>({ name: s.name, metrics });
  });
  return reverse<Summary>({ ...summary, strategies });
}

describe("summaryJson", () => {
  const { summary } = fixtureResults();

  it("gives the same bytes for the same values, however the object was built", () => {
    expect(summaryJson(summary)).toBe(summaryJson(summary));
    expect(summaryJson(reversedKeys(summary))).toBe(summaryJson(summary));
  });

  it("keeps DESIGN.md's key order at every level", () => {
    const parsed = JSON.parse(summaryJson(reversedKeys(summary)));
    expect(Object.keys(parsed)).toEqual(["scenario", "seed", "replications", "faultlineVersion", "strategies"]);
    expect(Object.keys(parsed.strategies[0])).toEqual(["name", "metrics"]);
    expect(Object.keys(parsed.strategies[0].metrics)).toEqual([...METRIC_NAMES]);
    expect(Object.keys(parsed.strategies[0].metrics.lost_work_gpu_h)).toEqual([
      "mean",
      "ci95",
      "min",
      "q1",
      "median",
      "q3",
      "max",
    ]);
  });

  it("keeps null as null and the strategies in order", () => {
    const parsed = JSON.parse(summaryJson(summary));
    expect(parsed.strategies.map((s: { name: string }) => s.name)).toEqual(["no-checkpoint", "fixed-30m", "daly"]);
    expect(parsed.strategies[0].metrics.checkpoint_overhead_gpu_h).toBeNull();
    expect(parsed.strategies[0].metrics.lost_work_gpu_h).toEqual({
      mean: 100,
      ci95: [95, 105],
      min: 85,
      q1: 95,
      median: 100,
      q3: 105,
      max: 115,
    });
  });

  it("is 2-space indented and ends in a newline", () => {
    const text = summaryJson(summary);
    expect(text.startsWith('{\n  "scenario": "spot-checkpoint-cadence",\n  "seed": 42,\n')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("rounds statistics to 6 significant digits, but not the seed", () => {
    const third: MetricSummary = { mean: 1 / 3, ci95: [0.1 + 0.2, 2 / 3], min: 0, q1: 0, median: 0, q3: 1, max: 1 };
    const text = summaryJson({
      ...summary,
      seed: 1234567890123,
      strategies: [strategy("x", { goodput: third })],
    });
    const parsed = JSON.parse(text);
    expect(parsed.seed).toBe(1234567890123);
    expect(parsed.strategies[0].metrics.goodput.mean).toBe(0.333333);
    expect(parsed.strategies[0].metrics.goodput.ci95).toEqual([0.3, 0.666667]);
  });
});

describe("roundForOutput", () => {
  it("keeps 6 significant digits", () => {
    expect(roundForOutput(123456789)).toBe(123457000);
    expect(roundForOutput(0.1 + 0.2)).toBe(0.3);
    expect(roundForOutput(-0.000123456789)).toBe(-0.000123457);
  });

  it("writes -0 as 0 and refuses non-finite numbers", () => {
    expect(Object.is(roundForOutput(-0), 0)).toBe(true);
    expect(() => roundForOutput(Number.NaN)).toThrow(/non-finite/);
    expect(() => roundForOutput(Number.POSITIVE_INFINITY)).toThrow(/non-finite/);
  });
});

describe("the objective in traces.json", () => {
  it("is written only when the scenario declares one, read back as written, and refused when malformed", () => {
    const results = fixtureResults();
    const plain = tracesJson(results);
    expect(plain).not.toContain("objective");
    const objective = { direction: "minimize" as const, metrics: ["lost_work_gpu_h", "checkpoint_overhead_gpu_h"] as MetricName[] };
    const text = tracesJson({ ...results, objective });
    expect(resultSetFromFiles(summaryJson(results.summary), text, results.runs).objective).toEqual(objective);
    expect(resultSetFromFiles(summaryJson(results.summary), plain, results.runs).objective).toBeUndefined();
    const bad = text.replace('"checkpoint_overhead_gpu_h"', '"nope"');
    expect(() => resultSetFromFiles(summaryJson(results.summary), bad, results.runs)).toThrow("traces.json: objective: expected");
  });
});
