import type { ClusterModelOptions } from "../../models/cluster/options.js";
import { NO_CHECKPOINT } from "../../models/strategies/checkpoint.js";
import { US_PER_H } from "../../sim/time.js";

/**
 * A cluster model with nothing turned on: one rack of 4 one-GPU nodes, 100 h, no generated
 * jobs (tests submit their own), FCFS with first-fit, no failures, no checkpoints. Tests
 * override what their story needs, so a new model option is added here once.
 */
export function testModelOptions(overrides: Partial<ClusterModelOptions> = {}): ClusterModelOptions {
  return {
    horizonUs: 100 * US_PER_H,
    cluster: { racks: 1, nodesPerRack: 4, gpusPerNode: 1 },
    fabric: null,
    pools: [],
    storage: null,
    workload: { generator: null, trace: null, maxRequeues: 0 },
    scheduler: { backfill: "none", priority: null, placement: "first-fit", enforceTimeLimit: false, preemption: null },
    checkpoint: NO_CHECKPOINT,
    slo: null,
    traceSamples: 0,
    ...overrides,
  };
}
