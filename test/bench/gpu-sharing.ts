import { fileURLToPath } from "node:url";
import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import type { GpuPlacement, NodeShape } from "../../models/hardware/gpu-share.js";
import { NO_CHECKPOINT } from "../../models/strategies/checkpoint.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_DAY } from "../../sim/time.js";
import { loadScenario } from "../../scenarios/library.js";
import { modelOptions } from "../../scenarios/model-options.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import type { ClusterScenario } from "../../scenarios/schema.js";

/**
 * GPU-granular figures for `npm run bench`:
 * - the bundled `alibaba-gpu-sharing` replay (the Alibaba GPU v2023 pods filling their
 *   1,523-node cluster to 1.3× its GPUs), one run per placement, the model alone timed
 *   (the trace is read once, as a sweep would);
 * - a synthetic 100,000-GPU cluster (12,500 nodes × 8 GPUs, 250 racks) for 30 simulated
 *   days of small jobs (a share of a GPU to 8 GPUs, most one or less) at about 80% load,
 *   FIFO with first-fit, in a process of its own for its peak RSS.
 *
 * Run as a script it prints the month's figures as one JSON line.
 */
export async function benchAlibabaFill(placements: readonly GpuPlacement[]): Promise<{ placement: GpuPlacement; seconds: number; jobs: number; allocationEnd: number }[]> {
  const scenarioFile = fileURLToPath(new URL("../../../scenarios/alibaba-gpu-sharing.yaml", import.meta.url));
  const parsed = await loadScenario(scenarioFile);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const prepared = prepareScenario(parsed.value, scenarioFile);
  const scenario = prepared.scenario as ClusterScenario;
  return placements.map((placement) => {
    const strategy = { ...scenario.strategies[0], scheduler: { ...scenario.scheduler, placement } };
    const start = performance.now();
    const model = new ClusterModel(new Sim({ seed: scenario.seed, keepRecords: false }), modelOptions(prepared, strategy, 0));
    const result = model.run();
    return {
      placement,
      seconds: (performance.now() - start) / 1_000,
      jobs: result.metrics.jobs_submitted ?? 0,
      allocationEnd: result.metrics.gpu_allocation_end ?? 0,
    };
  });
}

export function gpuMonthOptions(): ClusterModelOptions {
  const racks = 250;
  const nodesPerRack = 50;
  const shape: NodeShape = { gpus: 8, cpuMilli: 128_000, memoryMiB: 1_048_576, model: "H100", speed: 1, cudaMax: 0 };
  return {
    horizonUs: 30 * US_PER_DAY,
    cluster: { racks, nodesPerRack, gpusPerNode: 8 },
    gpuSharing: { shapes: Array.from({ length: racks * nodesPerRack }, () => shape), placement: "first-fit" },
    fabric: null,
    pools: [],
    storage: null,
    workload: {
      generator: {
        // 420 jobs an hour × 2.2 GPUs × 86 h mean run ≈ 80% of 100,000 GPUs.
        arrivals: { ratePerHour: 420 },
        nodes: { kind: "constant", value: 1 },
        workS: { kind: "lognormal", median: 52 * 3_600, sigma: 1 },
        timeLimitFactor: 2,
        users: 64,
        communication: null,
        request: {
          gpus: { kind: "empirical", sortedValues: [0.25, 0.5, 1, 1, 1, 2, 4, 8] },
          cpuMilli: 8_000,
          memoryMiB: 65_536,
          model: null,
          cuda: 0,
        },
      },
      trace: null,
      maxRequeues: 3,
    },
    scheduler: { backfill: "none", priority: null, placement: "first-fit", enforceTimeLimit: false, preemption: null },
    checkpoint: NO_CHECKPOINT,
    slo: null,
    traceSamples: 0,
  };
}

export function runGpuMonth() {
  const sim = new Sim({ seed: 1, keepRecords: false });
  const start = performance.now();
  const model = new ClusterModel(sim, gpuMonthOptions());
  const result = model.run();
  return {
    seconds: (performance.now() - start) / 1_000,
    events: sim.eventsRun,
    jobs: result.metrics.jobs_submitted,
    allocationRate: result.metrics.gpu_allocation_rate,
    fragmentation: result.metrics.gpu_fragmentation,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(runGpuMonth())}\n`);
}
