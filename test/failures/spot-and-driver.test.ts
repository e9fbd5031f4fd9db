import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import { NO_CHECKPOINT, type CheckpointPlan } from "../../models/strategies/checkpoint.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_MIN } from "../../sim/time.js";
import { testModelOptions } from "../models/options.js";
import { spotReclaims } from "../../models/failures/spot.js";
import { driverRollout } from "../../models/failures/driver-rollout.js";

function options(overrides: Partial<ClusterModelOptions>): ClusterModelOptions {
  return testModelOptions({
    horizonUs: 8 * US_PER_H,
    cluster: { racks: 1, nodesPerRack: 1, gpusPerNode: 8 },
    pools: [{ name: "spot", racks: 1, pricePerGpuHour: 1, spot: true }],
    workload: { generator: null, trace: null, maxRequeues: 10 },
    ...overrides,
  });
}

const onNotice: CheckpointPlan = {
  policy: "on-notice",
  intervalUs: Infinity,
  costUs: US_PER_MIN,
  restartUs: US_PER_MIN,
  sizeBytes: 0,
  onNotice: true,
};

/**
 * One spot node, reclaimed 2 h after the start and 2 h after each return, with 120 s of
 * notice; capacity returns 30 min after a reclaim. One job of 3 h of work.
 */
function spotStory(checkpoint: CheckpointPlan) {
  const sim = new Sim({ seed: 1, keepRecords: true });
  const model = new ClusterModel(
    sim,
    options({
      checkpoint,
      failures: [spotReclaims({
        timeToReclaimS: { kind: "constant", value: 2 * 3_600 },
        noticeUs: 120e6,
        returnAfterS: { kind: "constant", value: 30 * 60 },
      })],
    }),
  );
  model.submit(1, 3 * US_PER_H);
  const result = model.run();
  const completed = sim.records.find((r) => r.kind === "JobCompleted");
  return { sim, result, endMin: completed === undefined ? null : (completed.timeUs as number) / US_PER_MIN };
}

describe("spot preemption", () => {
  it("a checkpoint on notice saves the work that no checkpoint loses", () => {
    // Without checkpoints every attempt is cut 2 h 2 min in, and 3 h never fit: the job
    // never finishes and each reclaim loses everything it computed.
    const none = spotStory(NO_CHECKPOINT);
    expect(none.endMin).toBeNull();
    expect(none.result.nodeHours.lost).toBeGreaterThanOrEqual(2 * (122 / 60) - 1e-9);
    // On notice at 2 h the job writes a checkpoint (1 min), computes 1 more minute and is
    // reclaimed at 2 h 2 min, losing just that minute. It restarts at 2 h 32 min, reads
    // the checkpoint back (1 min) and computes the last hour: done at 3 h 33 min.
    const saved = spotStory(onNotice);
    expect(saved.endMin).toBeCloseTo(213, 9);
    expect(saved.result.nodeHours.lost).toBeCloseTo(1 / 60, 9);
    const killed = saved.sim.records.find((r) => r.kind === "JobKilled");
    expect(killed?.cause).toBe("spot-preemption");
  });

  it("does not charge for reclaimed capacity", () => {
    // 8 h on one 8-GPU node at $1/GPU-h, less the reclaimed half hours (2:02–2:32, 4:32–5:02,
    // 7:02–7:32): 8 × (8 − 1.5) = $52.
    const { result } = spotStory(NO_CHECKPOINT);
    expect(result.metrics.cost_total).toBeCloseTo(52, 9);
  });
});

describe("driver mismatch", () => {
  it("fails a GPU job as it starts on a node whose driver does not match the CUDA runtime", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(
      sim,
      options({ cluster: { racks: 1, nodesPerRack: 2, gpusPerNode: 8 }, pools: [], workload: { generator: null, trace: null, maxRequeues: 2 } }),
    );
    model.cluster.setDriverCompatible(0, false);
    const seen: string[] = [];
    model.onJobKilled((_job, cause) => seen.push(cause));
    model.submit(1, US_PER_H); // first-fit puts it on node 0 each time: a black-hole node
    const result = model.run();
    const story = sim.records.filter((r) => r.kind.startsWith("Job")).map((r) => `${r.kind}@${r.timeUs}`);
    expect(story).toEqual([
      "JobSubmitted@0",
      "JobStarted@0",
      "JobKilled@0",
      "JobStarted@0",
      "JobKilled@0",
      "JobStarted@0",
      "JobKilled@0",
      "JobFailed@0",
    ]);
    expect(seen).toEqual(["driver-mismatch", "driver-mismatch", "driver-mismatch"]);
    expect(result.metrics.jobs_failed).toBe(1);
  });

  it("lets the job run on a node whose driver works", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, options({ cluster: { racks: 1, nodesPerRack: 2, gpusPerNode: 8 }, pools: [] }));
    model.cluster.setDriverCompatible(0, false);
    model.cluster.drain(0); // an operator quarantines the bad node
    model.submit(1, US_PER_H);
    expect(model.run().metrics.jobs_completed).toBe(1);
  });
});

describe("driver rollout", () => {
  // 4 racks × 8 nodes, 2 jobs an hour of 1–4 nodes for ~2 h. A bad patch rolls out at
  // 1 day; each step is watched for 1 h and the rollout halts above a 20% failure rate,
  // rolling back 30 min later.
  function rollout(strategy: "big-bang" | "canary", badPatch = true) {
    const sim = new Sim({ seed: 3, keepRecords: true });
    const model = new ClusterModel(
      sim,
      options({
        horizonUs: 3 * 24 * US_PER_H,
        cluster: { racks: 4, nodesPerRack: 8, gpusPerNode: 8 },
        pools: [],
        workload: {
          generator: {
            arrivals: { ratePerHour: 5 },
            nodes: { kind: "logUniform", low: 1, high: 4 },
            workS: { kind: "lognormal", median: 2 * 3_600, sigma: 0.5 },
            timeLimitFactor: 2,
            users: 4,
            communication: null,
          },
          trace: null,
          maxRequeues: 3,
        },
        failures: [driverRollout({
          startUs: 24 * US_PER_H,
          strategy,
          canaryNodes: 2,
          waveFraction: 0.25,
          waveIntervalUs: US_PER_H,
          badPatch,
          haltFailureRate: 0.2,
          minStarts: 3,
          rollbackUs: 30 * US_PER_MIN,
        })],
      }),
    );
    const killed: number[] = [];
    model.onJobKilled((job, cause) => cause === "driver-mismatch" && killed.push(job.id));
    const result = model.run();
    return { sim, result, failedStarts: killed.length, jobsFailed: result.metrics.jobs_failed ?? 0 };
  }

  it("canary then waves fails fewer job starts than big-bang, and both halt and roll back", () => {
    const bigBang = rollout("big-bang");
    const canary = rollout("canary");
    expect(bigBang.failedStarts).toBeGreaterThan(0);
    expect(canary.failedStarts).toBeLessThan(bigBang.failedStarts);
    for (const { sim } of [bigBang, canary]) {
      expect(sim.records.some((r) => r.kind === "DriverRolloutHalted")).toBe(true);
      expect(sim.records.some((r) => r.kind === "DriverRolledBack")).toBe(true);
    }
    // Same arrivals under both (common random numbers).
    expect(canary.result.metrics.jobs_submitted).toBe(bigBang.result.metrics.jobs_submitted);
  });

  it("a good patch rolls out in waves to every node without a halt", () => {
    const { sim, failedStarts } = rollout("canary", false);
    expect(failedStarts).toBe(0);
    expect(sim.records.some((r) => r.kind === "DriverRolloutCompleted")).toBe(true);
    expect(sim.records.filter((r) => r.kind === "DriverRolledOut").length).toBeGreaterThan(2);
  });
});
