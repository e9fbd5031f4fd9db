import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import type { CheckpointPlan } from "../../models/strategies/checkpoint.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_MIN } from "../../sim/time.js";
import { testModelOptions } from "./options.js";

/**
 * The checkpoint stories' stage, shared by the timeline's tests and the corrupt
 * checkpoints': one node, a 5 h job, crashes and repairs placed by hand.
 */

/** Compute τ = 60 min, write C = 6 min, read back R = 12 min. */
export const plan: CheckpointPlan = { policy: "fixed", intervalUs: 60 * US_PER_MIN, costUs: 6 * US_PER_MIN, restartUs: 12 * US_PER_MIN, sizeBytes: 0 };

export function oneNode(checkpoint: CheckpointPlan): ClusterModelOptions {
  return testModelOptions({
    horizonUs: 24 * US_PER_H,
    cluster: { racks: 1, nodesPerRack: 1, gpusPerNode: 1 },
    workload: { generator: null, trace: null, maxRequeues: 10 },
    checkpoint,
  });
}

/** Runs a 5 h job with crashes and repairs at the given minutes; node-minutes booked, and how it went. */
export function story(checkpoint: CheckpointPlan, outages: ReadonlyArray<readonly [number, number]>, seed = 1) {
  const sim = new Sim({ seed, keepRecords: true });
  const model = new ClusterModel(sim, oneNode(checkpoint));
  model.submit(1, 5 * US_PER_H);
  for (const [crashMin, repairMin] of outages) {
    sim.scheduleAt(crashMin * US_PER_MIN, () => model.cluster.crash(0));
    sim.scheduleAt(repairMin * US_PER_MIN, () => model.cluster.restore(0));
  }
  const result = model.run();
  const minutes = (hours: number) => Math.round(hours * 60 * 1e6) / 1e6;
  const completed = sim.records.find((r) => r.kind === "JobCompleted");
  return {
    endMin: completed === undefined ? null : (completed.timeUs as number) / US_PER_MIN,
    useful: minutes(result.nodeHours.useful),
    lost: minutes(result.nodeHours.lost),
    overhead: minutes(result.nodeHours.overhead),
    busy: minutes(result.nodeHours.busy),
    checkpointSuccess: result.metrics.checkpoint_success_rate,
    fallbacks: result.metrics.checkpoint_fallbacks,
  };
}
