import { describe, expect, it } from "vitest";

import type { MetricName, MetricSummary, PairedDifference, ResultSet, RunRecord, Summary } from "../../reports/records.js";
import { limitingResources, objectiveSentence, significantlyBetterIndices, verdicts } from "../../reports/verdict.js";
import { fixtureResults, nullMetrics, stats, strategy } from "./fixture.js";

function twoStrategies(replications: number, base: Parameters<typeof strategy>[1], other: Parameters<typeof strategy>[1]): Summary {
  return {
    scenario: "s",
    seed: 1,
    replications,
    faultlineVersion: "0.1.0",
    strategies: [strategy("no-checkpoint", base), strategy("fixed-30m", other)],
  };
}

describe("verdicts", () => {
  it("says a 100 → 69 drop with separate intervals lowers the metric by 31%", () => {
    const [paragraph] = verdicts(
      twoStrategies(10, { lost_work_gpu_h: stats(100, 5) }, { lost_work_gpu_h: stats(69, 4) }),
    );
    expect(paragraph).toBe(
      "Against no-checkpoint, fixed-30m is significantly better on 1 and significantly worse on 0 " +
        "of the 1 judged metric both exercise. " +
        "fixed-30m lowers lost_work_gpu_h by 31% vs no-checkpoint (95% CIs do not overlap).",
    );
  });

  it("calls a difference inside overlapping intervals not significant", () => {
    const [paragraph] = verdicts(
      twoStrategies(10, { cost_total: stats(125000, 2500) }, { cost_total: stats(126000, 2500) }),
    );
    expect(paragraph).toContain(
      "fixed-30m raises cost_total by 0.8% vs no-checkpoint, difference not significant: CIs overlap.",
    );
    expect(paragraph).toContain("differs significantly on none of the 1 judged metric");
  });

  it("gives one paragraph per strategy after the first, most significant metrics first", () => {
    const paragraphs = verdicts(fixtureResults().summary);
    expect(paragraphs).toHaveLength(2);
    const [fixed, daly] = paragraphs;
    expect(fixed.startsWith("Against no-checkpoint, fixed-30m is significantly better on 3")).toBe(true);
    expect(fixed).toContain("fixed-30m lowers lost_work_gpu_h by 31% vs no-checkpoint (95% CIs do not overlap).");
    // Four sentences at most: cost_total (intervals overlap most) is left out.
    expect(fixed).not.toContain("cost_total");
    expect(daly).toContain("daly lowers lost_work_gpu_h by 3.0% vs no-checkpoint, difference not significant: CIs overlap.");
    // Metrics with no better direction are never judged.
    expect(paragraphs.join(" ")).not.toContain("jobs_submitted");
    expect(paragraphs.join(" ")).not.toContain("gpu_utilization");
  });

  it("keeps to the few most significant metrics and counts the rest", () => {
    const base = {
      jobs_completed: stats(100, 1),
      jobs_failed: stats(100, 1),
      queue_wait_p50_h: stats(100, 1),
      queue_wait_p90_h: stats(100, 1),
      makespan_h: stats(100, 1),
      downtime_min: stats(100, 1),
    };
    const other = {
      jobs_completed: stats(110, 1),
      jobs_failed: stats(50, 1),
      queue_wait_p50_h: stats(120, 1),
      queue_wait_p90_h: stats(130, 1),
      makespan_h: stats(105, 1),
      downtime_min: stats(101, 1),
    };
    const [paragraph] = verdicts(twoStrategies(10, base, other));
    expect(paragraph).toContain("jobs_failed by 50%");
    expect(paragraph).not.toContain("downtime_min");
    expect(paragraph).toContain("1 more metric differs significantly: makespan_h (worse).");
    expect(paragraph).not.toContain("see the table");
  });

  it("states a change from a zero baseline without a percentage", () => {
    const [paragraph] = verdicts(twoStrategies(5, { jobs_failed: stats(0, 0) }, { jobs_failed: stats(2.5, 0.5) }));
    expect(paragraph).toContain("fixed-30m raises jobs_failed from 0 to 2.50 vs no-checkpoint (95% CIs do not overlap).");
  });

  it("does not claim significance from a single replication", () => {
    const [paragraph] = verdicts(twoStrategies(1, { lost_work_gpu_h: stats(100, 0) }, { lost_work_gpu_h: stats(69, 0) }));
    expect(paragraph).toContain("one replication, so no confidence intervals");
    expect(paragraph).toContain("lowers lost_work_gpu_h by 31% vs no-checkpoint (one replication: no confidence interval).");
  });

  it("says when no judged metric is exercised by both", () => {
    const [paragraph] = verdicts(twoStrategies(3, { goodput: stats(0.5, 0.1) }, { makespan_h: stats(4, 1) }));
    expect(paragraph).toBe("No metric with a better direction is exercised by both fixed-30m and no-checkpoint.");
  });

  it("has nothing to say about a single strategy", () => {
    const { summary } = fixtureResults(["only"]);
    expect(verdicts(summary)).toEqual([]);
  });
});

/** Two strategies over 10 paired replications of one metric, with the paired difference given. */
function pairedSummary(
  metric: MetricName,
  base: MetricSummary,
  other: MetricSummary,
  difference: { mean: number; ci95: [number, number] },
): Summary {
  const versusFirst = { ...nullMetrics<PairedDifference>(), [metric]: { ...difference, pairs: 10 } };
  return {
    scenario: "s",
    seed: 1,
    replications: 10,
    faultlineVersion: "0.1.0",
    strategies: [strategy("no-checkpoint", { [metric]: base }), { ...strategy("fixed-30m", { [metric]: other }), versusFirst }],
  };
}

describe("paired verdict sentences", () => {
  it("keeps the sign of the CI when the baseline is 0, and calls a CI across 0 not significant", () => {
    const summary = pairedSummary("checkpoint_overhead_gpu_h", stats(0, 0), stats(6294, 7000), { mean: 6294, ci95: [-960, 13548] });
    const [paragraph] = verdicts(summary);
    expect(paragraph).toContain(
      "fixed-30m raises checkpoint_overhead_gpu_h from 0 to 6294, a difference of +6294 [CI -960 to +13,548] vs no-checkpoint: " +
        "difference not significant (the paired 95% CI includes 0).",
    );
    expect(significantlyBetterIndices(summary, "checkpoint_overhead_gpu_h")).toEqual([]);
  });

  it("states the absolute difference, not a percentage, when the CI reaches past -100%", () => {
    const summary = pairedSummary("lost_work_gpu_h", stats(120, 30), stats(8.4, 2), { mean: -111.6, ci95: [-133.2, -90] });
    const [paragraph] = verdicts(summary);
    expect(paragraph).toContain(
      "fixed-30m lowers lost_work_gpu_h from 120 to 8.40, a difference of -112 [CI -133 to -90] vs no-checkpoint (paired over 10 replications).",
    );
    expect(paragraph).not.toMatch(/\d{3}%/);
    expect(significantlyBetterIndices(summary, "lost_work_gpu_h")).toEqual([1]);
  });

  it("gives the percentage with its CI when the CI stays above -100%", () => {
    const summary = pairedSummary("lost_work_gpu_h", stats(100, 5), stats(69, 4), { mean: -31, ci95: [-35, -27] });
    const [paragraph] = verdicts(summary);
    expect(paragraph).toContain("fixed-30m lowers lost_work_gpu_h by 31% [CI 27%–35%] vs no-checkpoint (paired over 10 replications).");
  });

  it("marks no strategy in the tables when the intervals overlap, even with the better mean", () => {
    const summary = twoStrategies(10, { lost_work_gpu_h: stats(100, 5) }, { lost_work_gpu_h: stats(97, 6) });
    expect(significantlyBetterIndices(summary, "lost_work_gpu_h")).toEqual([]);
    const [paragraph] = verdicts(summary);
    expect(paragraph).toContain("fixed-30m lowers lost_work_gpu_h by 3.0% vs no-checkpoint, difference not significant: CIs overlap.");
    expect(paragraph).toContain("differs significantly on none");
  });

  it("marks nothing as better when it is significantly worse", () => {
    const summary = pairedSummary("lost_work_gpu_h", stats(100, 5), stats(131, 4), { mean: 31, ci95: [27, 35] });
    expect(significantlyBetterIndices(summary, "lost_work_gpu_h")).toEqual([]);
    expect(verdicts(summary)[0]).toContain("raises lost_work_gpu_h by 31% [CI 27%–35%] vs no-checkpoint (paired over 10 replications).");
  });
});

describe("what held running jobs back", () => {
  it("names each cause's share of the GPU time jobs held, largest first; says so when nothing did; skips runs without GPUs", () => {
    const summary: Summary = {
      scenario: "s",
      seed: 1,
      replications: 2,
      faultlineVersion: "0.1.0",
      strategies: [
        strategy("packed", {
          busy_gpu_h: stats(1_000, 10),
          slowdown_fabric_gpu_h: stats(20, 1),
          slowdown_thermal_gpu_h: stats(150, 5),
          slowdown_degraded_gpu_h: stats(0, 0),
        }),
        strategy("cool", { busy_gpu_h: stats(1_000, 10), slowdown_fabric_gpu_h: stats(0, 0), slowdown_thermal_gpu_h: stats(0, 0), slowdown_degraded_gpu_h: stats(0, 0) }),
        strategy("cpu-only", {}),
      ],
    };
    expect(limitingResources(summary)).toEqual([
      "packed: jobs lost 15% of their GPU time to heat-throttled clocks, 2.0% to the fabric; heat-throttled clocks held them back most.",
      "cool: nothing slowed running jobs.",
    ]);
  });
});

describe("the objective's sentence", () => {
  /** Two strategies over the same seeds, each run's lost work and checkpoint overhead given. */
  function results(
    objective: ResultSet["objective"],
    lostA: readonly number[],
    lostB: readonly number[],
    overheadB: readonly number[],
  ): ResultSet {
    const run = (name: string, replication: number, lost: number, overhead: number): RunRecord => ({
      strategy: name,
      replication,
      seed: 7 + replication,
      metrics: { ...nullMetrics<number>(), lost_work_gpu_h: lost, checkpoint_overhead_gpu_h: overhead },
    });
    return {
      summary: { scenario: "s", seed: 7, replications: lostA.length, faultlineVersion: "0.1.0", strategies: [strategy("none", {}), strategy("hourly", {})] },
      description: "d",
      horizonH: 24,
      runs: [...lostA.map((lost, r) => run("none", r, lost, 0)), ...lostB.map((lost, r) => run("hourly", r, lost, overheadB[r]))],
      traces: [],
      ...(objective === undefined ? {} : { objective }),
    };
  }
  const net = { direction: "minimize" as const, metrics: ["lost_work_gpu_h", "checkpoint_overhead_gpu_h"] as MetricName[] };

  it("names the winner on the net, by how much against the runner-up, with the paired CI, significant", () => {
    // Net per replication: none 100, 110, 120, 130; hourly 60, 72, 78, 90 → differences -40, -38, -42, -40.
    const sentence = objectiveSentence(results(net, [100, 110, 120, 130], [40, 50, 60, 70], [20, 22, 18, 20]));
    // Mean advantage 40, s = 1.633, t(0.975, 3) = 3.182: 40 ± 2.60.
    expect(sentence).toBe(
      "Objective (minimize net lost_work_gpu_h + checkpoint_overhead_gpu_h): hourly wins with 75 against 115 for none, " +
        "40 lower [CI 37.4 to 42.6]: significant (paired over 4 replications).",
    );
  });

  it("says no strategy wins yet when the CI includes 0, and reads maximize the other way", () => {
    const noisy = objectiveSentence(results(net, [100, 110, 120, 130], [40, 110, 60, 120], [20, 22, 18, 20]));
    expect(noisy).toMatch(/^Objective \(minimize net .*\): hourly leads with 103 against 115 for none, 12\.5 lower \[CI -\S+ to \S+\]: not significant \(the 95% CI includes 0; paired over 4 replications\), so no strategy wins yet\.$/);
    const maximize = objectiveSentence(results({ direction: "maximize", metrics: ["lost_work_gpu_h"] }, [100, 110, 120, 130], [40, 50, 60, 70], [0, 0, 0, 0]));
    expect(maximize).toMatch(/^Objective \(maximize lost_work_gpu_h\): none wins with 115 against 55 for hourly, 60 higher \[CI 60 to 60\]: significant/);
  });

  it("says nothing without an objective", () => {
    expect(objectiveSentence(results(undefined, [1, 2], [1, 2], [0, 0]))).toBeNull();
  });
});
