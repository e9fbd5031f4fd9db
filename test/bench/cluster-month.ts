import { FabricPart } from "../../models/cluster/fabric-part.js";
import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_DAY, US_PER_H, US_PER_MIN } from "../../sim/time.js";
import { clusterYearOptions } from "./cluster-year.js";

/**
 * The hardware issue's month: the cluster-year's 4,096 nodes × 8 GPUs and workload, with
 * the fabric and storage on. A fat-tree of 128 leaves (one per rack), 16 spines, 400 Gbps
 * links at oversubscription 2; multi-node jobs all-reduce 1 GB after every 10 s of compute;
 * every job checkpoints 50 GB per node-set hourly to a 64-OST filesystem (5 GB/s each),
 * so checkpoint time emerges from how many jobs write at once.
 *
 * Run as a script it prints one JSON line.
 */
export function clusterMonthOptions(): ClusterModelOptions {
  const base = clusterYearOptions(1);
  return {
    ...base,
    horizonUs: 30 * US_PER_DAY,
    fabric: { linkGbps: 400, oversubscription: 2, spineCount: 16, linkLatencyUs: 1, switchLatencyUs: 0.25 },
    storage: {
      filesystem: {
        name: "pfs",
        ostCount: 64,
        ostGBps: 5,
        metadataOpsPerSec: 50_000,
        metadataQueueMax: 100_000,
        metadataTimeoutUs: 60 * 1e6,
      },
      checkpoints: { stripeCount: 4, timeoutUs: 30 * US_PER_MIN },
    },
    workload: {
      ...base.workload,
      generator: { ...base.workload.generator!, communication: { bytes: 1e9, iterationUs: 10e6 } },
    },
    checkpoint: { policy: "fixed", intervalUs: US_PER_H, costUs: 0, restartUs: 0, sizeBytes: 50e9 },
  };
}

export function runClusterMonth() {
  const sim = new Sim({ seed: 1, keepRecords: false });
  const model = new ClusterModel(sim, clusterMonthOptions());
  const start = performance.now();
  const result = model.run();
  return {
    seconds: (performance.now() - start) / 1_000,
    events: sim.eventsRun,
    jobs: result.metrics.jobs_submitted,
    gpuUtilization: result.metrics.gpu_utilization,
    fabricP99LatencyUs: result.metrics.fabric_p99_latency_us,
    storageGbpsMean: result.metrics.storage_throughput_gbps_mean,
    checkpointSuccessRate: result.metrics.checkpoint_success_rate,
    /** Running jobs the fabric's traffic changes moved to a new pace, and the max-min solves run. */
    paceChanges: model.part(FabricPart)?.paceChanges ?? 0,
    maxMinSolves: model.part(FabricPart)?.fabric.solveCount ?? 0,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (process.argv[1]?.endsWith("cluster-month.js")) {
  process.stdout.write(`${JSON.stringify(runClusterMonth())}\n`);
}
