import { describe, expect, it } from "vitest";
import { summarize } from "../../runner/run.js";
import { METRIC_NAMES, type MetricValues, type RunRecord } from "../../reports/records.js";
import { verdicts } from "../../reports/verdict.js";
import { summaryJson } from "../../reports/json.js";

function run(strategy: string, replication: number, cost: number | null): RunRecord {
  const metrics = Object.fromEntries(METRIC_NAMES.map((name) => [name, null])) as Record<string, number | null>;
  metrics.cost_total = cost;
  return { strategy, replication, seed: 100 + replication, metrics: metrics as MetricValues };
}

describe("paired differences against the first strategy", () => {
  // Replications vary a lot (10, 20, 30) but "cheap" is always exactly 1 lower than the
  // baseline on the same seed: the means' CIs overlap, the paired CI is [−1, −1].
  const runs = [
    run("base", 0, 10),
    run("base", 1, 20),
    run("base", 2, 30),
    run("cheap", 0, 9),
    run("cheap", 1, 19),
    run("cheap", 2, 29),
    run("same", 0, 12),
    run("same", 1, 19),
    run("same", 2, 31),
  ];
  const summary = summarize("s", { seed: 100, replications: 3, faultlineVersion: "t" }, ["base", "cheap", "same"], runs);

  it("pairs replications by seed", () => {
    expect(summary.strategies[0].versusFirst).toBeUndefined();
    expect(summary.strategies[1].versusFirst?.cost_total).toEqual({ mean: -1, ci95: [-1, -1], pairs: 3 });
    const same = summary.strategies[2].versusFirst!.cost_total!;
    expect(same.mean).toBeCloseTo(2 / 3, 12); // differences 2, −1, 1
    expect(same.ci95[0]).toBeLessThan(0);
    expect(same.ci95[1]).toBeGreaterThan(0);
    expect(summary.strategies[1].versusFirst?.gpu_utilization).toBeNull(); // not exercised
  });

  it("calls a consistent small difference significant, and a noisy one not", () => {
    const [cheap, same] = verdicts(summary);
    expect(cheap).toContain("cheap lowers cost_total by 5.0% [CI 5.0%–5.0%] vs base (paired over 3 replications).");
    expect(same).toContain("difference not significant");
  });

  it("writes the paired differences into summary.json after each strategy's metrics", () => {
    const json = JSON.parse(summaryJson(summary));
    expect(Object.keys(json.strategies[1])).toEqual(["name", "metrics", "versusFirst"]);
    expect(json.strategies[1].versusFirst.cost_total).toEqual({ mean: -1, ci95: [-1, -1], pairs: 3 });
    expect(Object.keys(json.strategies[0])).toEqual(["name", "metrics"]);
  });
});
