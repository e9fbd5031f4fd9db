import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import type { CheckpointPlan } from "../../models/strategies/checkpoint.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_MIN } from "../../sim/time.js";
import { oneNode, plan, story } from "./checkpoint-story.js";

/**
 * The attempt executor's timeline, told as stories on one node: compute τ = 60 min, write
 * C = 6 min, read back R = 12 min; crashes and repairs placed by hand.
 */
describe("checkpoint timeline", () => {
  it("without failures: a write after every full interval but the last", () => {
    // τ C τ C τ C τ C τ: 5 × 60 + 4 × 6 = 324 min.
    expect(story(plan, [])).toMatchObject({ endMin: 324, useful: 300, lost: 0, overhead: 24, busy: 324, checkpointSuccess: 1 });
  });

  it("a crash loses the compute since the last checkpoint; one during a write cuts it", () => {
    // Attempt 1, 0–100: τ 0–60, C 60–66 (saves 60), τ 66–100 crashed: 34 lost.
    // Attempt 2, 110–185: R 110–122, τ 122–182, C 182–185 cut: 60 lost, 15 overhead.
    // Attempt 3, 200–470: R 200–212, then the 240 min left: τ C τ C τ C τ.
    expect(
      story(plan, [
        [100, 110],
        [185, 200],
      ]),
    ).toMatchObject({ endMin: 470, useful: 300, lost: 94, overhead: 6 + 15 + 30, busy: 100 + 75 + 270, checkpointSuccess: 0.8 });
  });

  it("a crash while reading the checkpoint back loses no compute", () => {
    // Attempt 2 is cut 5 min into its restart; attempt 3 starts at 130: R, then 240 min.
    expect(
      story(plan, [
        [100, 110],
        [115, 130],
      ]),
    ).toMatchObject({ endMin: 130 + 12 + 240 + 3 * 6, useful: 300, lost: 34, overhead: 6 + 5 + 30, busy: 100 + 5 + 270, checkpointSuccess: 1 });
  });

  it("without checkpoints, a crash loses everything computed", () => {
    const none: CheckpointPlan = { policy: "none", intervalUs: Infinity, costUs: 0, restartUs: 0, sizeBytes: 0 };
    expect(story(none, [[100, 110]])).toMatchObject({ endMin: 410, useful: 300, lost: 100, overhead: 0, busy: 400, checkpointSuccess: null });
  });
});

describe("Daly's interval per job", () => {
  it("checkpoints each job at Daly's optimum for its own MTBF", () => {
    // Node MTBF 48 h; a 2-node job's MTBF is 24 h. With C = 5 min, Daly's interval is
    // 116.69 min, so a 5 h job computes 116.69 + 116.69 + 66.62 min with 2 writes: 310 min.
    const daly: CheckpointPlan = {
      policy: "daly",
      intervalUs: Infinity,
      costUs: 5 * US_PER_MIN,
      restartUs: 10 * US_PER_MIN,
      sizeBytes: 0,
      optimal: { formula: "daly", nodeMtbfUs: 48 * US_PER_H },
    };
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, { ...oneNode(daly), cluster: { racks: 1, nodesPerRack: 2, gpusPerNode: 1 } });
    model.submit(2, 5 * US_PER_H);
    const result = model.run();
    const end = sim.records.find((r) => r.kind === "JobCompleted")!.timeUs as number;
    expect(end / US_PER_MIN).toBeCloseTo(310, 6);
    expect(result.nodeHours.overhead).toBeCloseTo((2 * 2 * 5) / 60, 9);
    // The interval the policy chose, once per segment: Daly's for the job, every time.
    expect(result.metrics.checkpoint_interval_mean_h! * 60).toBeCloseTo(116.69, 2);
    expect(result.metrics.checkpoint_interval_min_h).toBe(result.metrics.checkpoint_interval_max_h);
  });

  it("reports no interval without periodic checkpoints", () => {
    const sim = new Sim({ seed: 1 });
    const model = new ClusterModel(sim, oneNode({ ...plan, policy: "none", intervalUs: Infinity }));
    model.submit(1, 5 * US_PER_H);
    const result = model.run();
    expect(result.metrics.checkpoint_interval_mean_h).toBeNull();
    expect(result.metrics.checkpoint_interval_min_h).toBeNull();
  });
});

describe("incremental checkpoints", () => {
  // A full checkpoint every 2nd: full (6 min), increment (half: 3 min), full, increment.
  const incremental: CheckpointPlan = { ...plan, incremental: { fullEvery: 2, dirtyFraction: 0.5 } };

  it("writes increments between full checkpoints", () => {
    expect(story(incremental, [])).toMatchObject({ endMin: 300 + 6 + 3 + 6 + 3, overhead: 18 });
  });

  it("reads the full checkpoint and the increments since on restart", () => {
    // τ 0–60, full 60–66, τ 66–126, increment 126–129 (120 min saved); crash at 130 (1 min
    // lost); back at 140: read full + 1 increment = 1.5 × 12 = 18 min; then 180 min of work
    // with a full (6) and an increment (3): 158 + 180 + 9 = 347.
    expect(story(incremental, [[130, 140]])).toMatchObject({ endMin: 347, lost: 1, overhead: 6 + 3 + 18 + 6 + 3 });
  });
});

describe("adaptive checkpoints", () => {
  const adaptive: CheckpointPlan = {
    policy: "adaptive",
    intervalUs: Infinity,
    costUs: 5 * US_PER_MIN,
    restartUs: 10 * US_PER_MIN,
    sizeBytes: 0,
    adaptive: { formula: "daly", priorNodeMtbfUs: 100 * US_PER_H },
  };

  it("estimate the node MTBF from the failures seen, starting from the prior", () => {
    const sim = new Sim({ seed: 1 });
    const model = new ClusterModel(sim, oneNode(adaptive));
    expect(model.nodeMtbfUs()).toBe(100 * US_PER_H); // nothing seen yet: the prior
    sim.scheduleAt(10 * US_PER_H, () => model.cluster.crash(0));
    sim.scheduleAt(11 * US_PER_H, () => model.cluster.restore(0));
    sim.run(20 * US_PER_H);
    // Up 19 h with one crash, plus the prior as one failure after 100 h: (100 + 19) / 2.
    expect(model.nodeMtbfUs()).toBe(59.5 * US_PER_H);
  });

  it("shorten the interval they choose once a crash lowers the estimate: the metrics show the range", () => {
    const sim = new Sim({ seed: 1 });
    const model = new ClusterModel(sim, oneNode(adaptive));
    model.submit(1, 15 * US_PER_H);
    sim.scheduleAt(10 * US_PER_H, () => model.cluster.crash(0));
    sim.scheduleAt(11 * US_PER_H, () => model.cluster.restore(0));
    const result = model.run();
    const { checkpoint_interval_min_h: min, checkpoint_interval_mean_h: mean, checkpoint_interval_max_h: max } = result.metrics;
    // Daly at the prior (100 h, C = 5 min) is ≈ 3.1 h; after the crash the estimate drops, and so does the interval.
    expect(max!).toBeGreaterThan(3);
    expect(min!).toBeLessThan(max! * 0.9);
    expect(mean!).toBeGreaterThan(min!);
    expect(mean!).toBeLessThan(max!);
  });
});
